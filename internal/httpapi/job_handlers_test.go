package httpapi

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/parcelgate/parcelgate/internal/outage"
)

func TestJobHandlers(t *testing.T) {
	m := newMemAPI(t)
	admin := m.client("acme", "acme-ops")
	p := m.project(admin)
	jobs := "/v1/projects/" + p + "/tracking-number-jobs"
	add := `{"action":"ADD","trackingNumbers":[{"trackingNumber":"1Z999AA10123456784"},{"trackingNumber":"612345678901234567890123","carrier":"inpost"}],"externalReference":"batch-1"}`
	var j jobBody
	m.must(202, &j, "POST", jobs, admin, add, "Idempotency-Key", "key-1")
	m.run(admin, []exchange{
		{name: "submit202Replay", method: "POST", path: jobs, body: add, headers: []string{"Idempotency-Key", "key-1"}, status: 202, want: `"jobId":"` + j.JobID + `"`},
		{name: "submit422KeyReused", method: "POST", path: jobs, body: `{"action":"REMOVE","trackingNumbers":[{"trackingNumber":"1Z999AA10123456784"}]}`, headers: []string{"Idempotency-Key", "key-1"}, status: 422, want: `"code":"IDEMPOTENCY_KEY_REUSED"`},
		{name: "submit400KeyLong", method: "POST", path: jobs, body: add, headers: []string{"Idempotency-Key", strings.Repeat("k", 300)}, status: 400, want: `"field":"Idempotency-Key"`},
		{name: "submit400KeySpace", method: "POST", path: jobs, body: add, headers: []string{"Idempotency-Key", "a b"}, status: 400, want: `invalid character`},
		{name: "submit400NoAction", method: "POST", path: jobs, body: `{"trackingNumbers":[]}`, status: 400, want: `"field":"action"`},
		{name: "submit400NoNumber", method: "POST", path: jobs, body: `{"action":"ADD","trackingNumbers":[{"carrier":"ups"}]}`, status: 400, want: `trackingNumbers[].trackingNumber`},
		{name: "submit400NullEntry", method: "POST", path: jobs, body: `{"action":"ADD","trackingNumbers":[null]}`, status: 400},
		{name: "submit415", method: "POST", path: jobs, body: add, headers: []string{"Content-Type", "text/plain"}, status: 415},
		{name: "submit404Project", method: "POST", path: "/v1/projects/nope/tracking-number-jobs", body: add, status: 404},
		{name: "list200", method: "GET", path: jobs, status: 200, want: `"externalReference":"batch-1"`},
		{name: "list200ByID", method: "GET", path: jobs + "?jobId=" + j.JobID, status: 200, want: `"jobId":"` + j.JobID + `"`},
		{name: "list404ByID", method: "GET", path: jobs + "?jobId=nope", status: 404},
		{name: "list400ByEmptyish", method: "GET", path: jobs + "?jobId=" + strings.Repeat("j", 300), status: 400},
		{name: "list400Limit", method: "GET", path: jobs + "?limit=-1", status: 400},
		{name: "report409NotCompleted", method: "GET", path: jobs + "/" + j.JobID + "/report", status: 409, want: `"jobStatus":"QUEUED"`},
		{name: "report404", method: "GET", path: jobs + "/nope/report", status: 404},
		{name: "numbers200Empty", method: "GET", path: "/v1/projects/" + p + "/tracking-numbers", status: 200, want: `"items":[]`},
		{name: "numbers400Limit", method: "GET", path: "/v1/projects/" + p + "/tracking-numbers?limit=1001", status: 400},
	})
	if err := m.api.Jobs.Process(context.Background(), j.JobID); err != nil {
		t.Fatal(err)
	}
	m.run(admin, []exchange{
		{name: "report200", method: "GET", path: jobs + "/" + j.JobID + "/report", status: 200, want: `"outcome":"`},
		{name: "numbers200", method: "GET", path: "/v1/projects/" + p + "/tracking-numbers?limit=1", status: 200, want: `"trackingNumber":"`},
	})
	// Stored but not queued: 503 with the job as stored, and when to retry.
	m.queue.fail = outage.Wrap(errors.New("queue down"))
	rec := m.must(503, nil, "POST", jobs, admin, add, "Idempotency-Key", "key-2")
	if rec.Header().Get("Retry-After") != "30" || !strings.Contains(rec.Body.String(), `"status":"`) || !strings.Contains(rec.Body.String(), `"jobId":"`) {
		t.Errorf("submit503NotQueued: %v %s", rec.Header(), rec.Body)
	}
}
