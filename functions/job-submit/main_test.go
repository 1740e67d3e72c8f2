package main

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/parcelgate/parcelgate/internal/auth"
)

// The job-submit Lambda stores jobs and queues them: without the jobs
// queue's URL it must not start. The test runs this main in a child
// process, as Lambda would, with every other setting present.
func TestColdStartWithoutTheQueueURLExitsNamingIt(t *testing.T) {
	if os.Getenv("PARCELGATE_TEST_RUN_MAIN") == "1" {
		main()
		return
	}
	key, err := auth.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	jwk, err := auth.PublicJWK(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	jwks, err := json.Marshal(auth.JWKS{Keys: []auth.JWK{jwk}})
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestColdStartWithoutTheQueueURLExitsNamingIt$")
	cmd.Env = []string{
		"PARCELGATE_TEST_RUN_MAIN=1",
		"AWS_REGION=eu-central-1",
		"PARCELGATE_TABLE=parcelgate-Table",
		"PARCELGATE_JWT_ISSUER=urn:parcelgate:test",
		"PARCELGATE_JWT_PUBLIC_JWKS=" + string(jwks),
	}
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("exit %v, want status 1; output:\n%s", err, out)
	}
	if !strings.Contains(string(out), `"msg":"cold start failed","function":"job-submit"`) || !strings.Contains(string(out), "PARCELGATE_JOBS_QUEUE_URL is not set") {
		t.Errorf("no log line naming the missing queue URL:\n%s", out)
	}
}
