//go:build integration

package openapi

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// useTypes reads a few of the generated types as an integrator's code
// would, so that a document generating types no one can use fails too.
const useTypes = `import type { components, paths } from "./api";
type Token = components["schemas"]["TokenResponse"];
type OAuthToken = components["schemas"]["OAuthTokenResponse"];
type Answer = paths["/v1/auth/token"]["post"]["responses"][200]["content"]["application/json"];
const token: Answer = { accessToken: "a.b.c", tokenType: "Bearer", expiresIn: 3600 } satisfies Token;
const oauth: Answer = { access_token: "a.b.c", token_type: "Bearer", expires_in: 3600 } satisfies OAuthToken;
type Tracking = paths["/v1/tracking/{tracking_number}"]["get"]["responses"][200]["content"]["application/json"];
export const status = (t: Tracking): string => t.status;
export const tokens = [token, oauth];
`

// TestTypeScriptTypesCompile generates TypeScript types from the
// document with openapi-typescript and compiles them with tsc --strict,
// both from tools/package-lock.json.
func TestTypeScriptTypesCompile(t *testing.T) {
	tools, err := filepath.Abs("tools")
	if err != nil {
		t.Fatal(err)
	}
	installTools(t, tools)
	bin := filepath.Join(tools, "node_modules", ".bin")
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "use.ts"), []byte(useTypes), 0o644); err != nil {
		t.Fatal(err)
	}
	doc, err := filepath.Abs("openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// Run outside tools/, whose redocly.yaml openapi-typescript would
	// otherwise read instead of its arguments.
	run(t, dir, filepath.Join(bin, "openapi-typescript"), doc, "-o", "api.d.ts")
	run(t, dir, filepath.Join(bin, "tsc"), "--strict", "--noEmit", "--target", "es2022", "api.d.ts", "use.ts")
}

// installTools runs npm ci in dir unless node_modules is newer than
// package-lock.json (npm rewrites node_modules/.package-lock.json on each
// install); install scripts are skipped, as for the emulators.
func installTools(t *testing.T, dir string) {
	t.Helper()
	lock, err := os.Stat(filepath.Join(dir, "package-lock.json"))
	if err != nil {
		t.Fatal(err)
	}
	if installed, err := os.Stat(filepath.Join(dir, "node_modules", ".package-lock.json")); err == nil && installed.ModTime().After(lock.ModTime()) {
		return
	}
	run(t, dir, "npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund")
}

func run(t *testing.T, dir, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
}
