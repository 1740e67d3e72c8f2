// SES v2 emulator for machines without Docker (see ../README.md, "Report
// outbox"). internal/devstack starts it as
//
//   node localstack/ses-server.mjs --port 8005
//
// and waits until GET /health-check answers. It keeps every mail sent in
// memory; GET /store lists them (tests read them there), and its root
// page shows them in a browser.
import sesModule from "aws-ses-v2-local";

// aws-ses-v2-local is CommonJS: its server is the module's default export.
const startServer = sesModule.default ?? sesModule;

function portFromArgs() {
  const i = process.argv.indexOf("--port");
  const raw = i >= 0 ? process.argv[i + 1] : process.env.SES_PORT;
  const port = Number(raw ?? 8005);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    console.error(`ses-server: invalid port ${JSON.stringify(raw)}`);
    process.exit(2);
  }
  return port;
}

const port = portFromArgs();
const host = "127.0.0.1";
const server = await startServer({ host, port });
server.on("error", (err) => {
  console.error(`ses-server: ${err.message}`);
  process.exit(1);
});
console.log(`ses-server: listening on http://${host}:${port}`);

// devstack sets this when it owns the process: its end of our stdin closes
// when it exits, so the emulator never outlives it (see sqs-server.mjs).
if (process.env.PARCELGATE_EXIT_ON_STDIN_EOF === "1") {
  process.stdin.on("end", () => process.exit(0));
  process.stdin.resume();
}
for (const sig of ["SIGTERM", "SIGINT"]) {
  process.on(sig, () => server.close(() => process.exit(0)));
}
