// SQS emulator for machines without Docker (see ../../shared/design.md,
// "Local stack"). internal/devstack starts it as
//
//   node localstack/sqs-server.mjs --port 9324
//
// (or SQS_PORT=9324) and waits until ListQueues answers.
import { createSqsServer } from "local-aws-sqs";

function portFromArgs() {
  const i = process.argv.indexOf("--port");
  const raw = i >= 0 ? process.argv[i + 1] : process.env.SQS_PORT;
  const port = Number(raw ?? 9324);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    console.error(`sqs-server: invalid port ${JSON.stringify(raw)}`);
    process.exit(2);
  }
  return port;
}

const port = portFromArgs();
const hostname = "127.0.0.1";
const server = await createSqsServer({
  port,
  hostname,
  region: "us-east-1",
  // Tests create and delete queues with unique names; AWS's 60 s wait before
  // a deleted name can be reused would only slow local runs down.
  emulateQueueCreationLifecycle: false,
});
server.on("error", (err) => {
  console.error(`sqs-server: ${err.message}`);
  process.exit(1);
});
console.log(`sqs-server: listening on http://${hostname}:${port}`);

// devstack sets this when it owns the process: its end of our stdin closes
// when it exits, even on SIGKILL or a test timeout, so the emulator never
// outlives it. Detached stacks (parcelgate stack-up) leave it unset.
if (process.env.PARCELGATE_EXIT_ON_STDIN_EOF === "1") {
  process.stdin.on("end", () => process.exit(0));
  process.stdin.resume();
}
for (const sig of ["SIGTERM", "SIGINT"]) {
  process.on(sig, () => server.close(() => process.exit(0)));
}
