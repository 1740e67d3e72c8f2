//go:build integration

package systemtest

// Emulator-only: reads the table's raw items, item sizes and injects DynamoDB and SQS faults.

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/apitest"
	"github.com/parcelgate/parcelgate/internal/awsclient"
)

// attack is one hostile request and the precise refusal it must get.
type attack struct {
	name        string
	method      string
	path        string
	token       string
	contentType string // default application/json when there is a body
	body        string
	header      map[string]string
	basic       [2]string
	status      int
	// code is the problem code, the envelope's error code, or ShipX's
	// "error"; field, when set, is the field the refusal must name.
	code, field string
}

func (a attack) run(t *testing.T, e *apitest.Env) {
	t.Helper()
	var rd *strings.Reader
	if a.body != "" {
		rd = strings.NewReader(a.body)
	}
	var req *http.Request
	var err error
	if rd != nil {
		req, err = http.NewRequest(a.method, a.path, rd)
	} else {
		req, err = http.NewRequest(a.method, a.path, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	if a.body != "" {
		ct := a.contentType
		if ct == "" {
			ct = "application/json"
		}
		req.Header.Set("Content-Type", ct)
	}
	if a.token != "" {
		req.Header.Set("Authorization", "Bearer "+a.token)
	}
	if a.basic[0] != "" {
		req.SetBasicAuth(a.basic[0], a.basic[1])
	}
	for k, v := range a.header {
		req.Header.Set(k, v)
	}
	r := e.Do(t, req).Want(t, a.status)
	code, field := refusal(t, r.Body)
	if code != a.code || a.field != "" && field != a.field {
		t.Fatalf("refused with %s on %q, want %s on %q: %s", code, field, a.code, a.field, r.Body)
	}
}

// refusal returns the code and field of any of the API's error bodies.
func refusal(t *testing.T, body []byte) (code, field string) {
	t.Helper()
	var b struct {
		Code   string `json:"code"`
		Errors []struct {
			Field string `json:"field"`
		} `json:"errors"`
		Error json.RawMessage `json:"error"`
	}
	if err := json.Unmarshal(body, &b); err != nil {
		t.Fatalf("error body %s: %v", body, err)
	}
	if b.Code != "" {
		if len(b.Errors) > 0 {
			field = b.Errors[0].Field
		}
		return b.Code, field
	}
	var env struct {
		Code  string  `json:"code"`
		Field *string `json:"field"`
	}
	if json.Unmarshal(b.Error, &env) == nil && env.Code != "" {
		if env.Field != nil {
			field = *env.Field
		}
		return env.Code, field
	}
	var seed string
	if json.Unmarshal(b.Error, &seed) == nil {
		return seed, ""
	}
	t.Fatalf("no error code in %s", body)
	return "", ""
}

func TestHostileInput4xxStoresNothing(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	_, acme := e.Token(t, "acme")
	_, globex := e.Token(t, "globex")
	p := createProject(t, e, acme, "mine").ProjectID
	theirs := createProject(t, e, globex, "theirs").ProjectID

	long := strings.Repeat("a", 5000)
	megabyte := strings.Repeat("x", 1<<20)
	jobs := "/v1/projects/" + p + "/tracking-number-jobs"
	job := func(extra string) string {
		return `{"action": "ADD", "trackingNumbers": [{"trackingNumber": "1Z999AA10123456784"}]` + extra + `}`
	}
	msgs := func(batch string) string {
		return `{"batchReference": ` + batch + `, "messages": [{"messageType": "Shipment", "payload": {"trackingNumber": "` + seedNumber + `", "type": "inpost_locker_standard"}}]}`
	}
	attacks := []attack{
		// The token endpoint: JSON, OAuth2 form and Basic.
		{name: "token 5,000-byte clientId", method: "POST", path: "/v1/auth/token", body: `{"clientId": "` + long + `", "clientSecret": "s3cret-s3cret-s3cret"}`, status: 400, code: "BAD_REQUEST", field: "clientId"},
		{name: "token form 5,000-byte client_id", method: "POST", path: "/v1/auth/token", contentType: "application/x-www-form-urlencoded", body: "grant_type=client_credentials&client_secret=s3cret-s3cret&client_id=" + long, status: 400, code: "invalid_request"},
		{name: "token Basic 5,000-byte id", method: "POST", path: "/v1/auth/token", contentType: "application/x-www-form-urlencoded", body: "grant_type=client_credentials", basic: [2]string{long, "s3cret-s3cret-s3cret"}, status: 400, code: "invalid_request"},
		{name: "token form repeated client_id", method: "POST", path: "/v1/auth/token", contentType: "application/x-www-form-urlencoded", body: "grant_type=client_credentials&client_id=a&client_id=b&client_secret=s3cret-s3cret", status: 400, code: "invalid_request"},
		{name: "token control character in clientId", method: "POST", path: "/v1/auth/token", body: `{"clientId": "acme\u0000", "clientSecret": "s3cret-s3cret-s3cret"}`, status: 400, code: "BAD_REQUEST", field: "clientId"},
		{name: "token duplicate keys", method: "POST", path: "/v1/auth/token", body: `{"clientId": "a", "clientId": "b", "clientSecret": "s3cret-s3cret-s3cret"}`, status: 400, code: "BAD_REQUEST"},
		{name: "token invalid UTF-8", method: "POST", path: "/v1/auth/token", body: "{\"clientId\": \"a\xff\", \"clientSecret\": \"s3cret-s3cret-s3cret\"}", status: 400, code: "BAD_REQUEST"},
		{name: "token null body", method: "POST", path: "/v1/auth/token", body: `null`, status: 400, code: "BAD_REQUEST"},
		{name: "token 1 MB secret", method: "POST", path: "/v1/auth/token", body: `{"clientId": "acme-1", "clientSecret": "` + megabyte + `"}`, status: 401, code: "INVALID_CLIENT"},

		// Projects and members.
		{name: "project control character in name", method: "POST", path: "/v1/projects", token: acme, body: `{"name": "a\u0007b"}`, status: 400, code: "BAD_REQUEST", field: "name"},
		{name: "project bidi override in name", method: "POST", path: "/v1/projects", token: acme, body: `{"name": "\u202egnp.exe"}`, status: 400, code: "BAD_REQUEST", field: "name"},
		{name: "project newline in name", method: "POST", path: "/v1/projects", token: acme, body: `{"name": "a\nb"}`, status: 400, code: "BAD_REQUEST", field: "name"},
		{name: "project 1 MB name", method: "POST", path: "/v1/projects", token: acme, body: `{"name": "` + megabyte + `"}`, status: 422, code: "VALIDATION_FAILED", field: "name"},
		{name: "project duplicate keys", method: "POST", path: "/v1/projects", token: acme, body: `{"name": "a", "name": "b"}`, status: 400, code: "BAD_REQUEST"},
		{name: "project invalid UTF-8", method: "POST", path: "/v1/projects", token: acme, body: "{\"name\": \"\xc3\x28\"}", status: 400, code: "BAD_REQUEST"},
		{name: "project trailing JSON", method: "POST", path: "/v1/projects", token: acme, body: `{"name": "a"}{"name": "b"}`, status: 400, code: "BAD_REQUEST"},
		{name: "project null body", method: "POST", path: "/v1/projects", token: acme, body: `null`, status: 400, code: "BAD_REQUEST"},
		{name: "project array body", method: "POST", path: "/v1/projects", token: acme, body: `[{"name": "a"}]`, status: 400, code: "BAD_REQUEST"},
		{name: "project 5,000-byte id", method: "GET", path: "/v1/projects/" + long, token: acme, status: 400, code: "BAD_REQUEST", field: "projectId"},
		{name: "project id with a NUL", method: "GET", path: "/v1/projects/a%00b", token: acme, status: 400, code: "BAD_REQUEST", field: "projectId"},
		{name: "project id of invalid UTF-8", method: "GET", path: "/v1/projects/a%FFb", token: acme, status: 400, code: "BAD_REQUEST", field: "projectId"},
		{name: "jobId query with a tab", method: "GET", path: jobs + "?jobId=a%09b", token: acme, status: 400, code: "BAD_REQUEST", field: "jobId"},
		{name: "project of another client", method: "GET", path: "/v1/projects/" + theirs, token: acme, status: 404, code: "NOT_FOUND"},
		{name: "projects 5,000-byte cursor", method: "GET", path: "/v1/projects?cursor=" + long, token: acme, status: 400, code: "BAD_REQUEST", field: "cursor"},
		{name: "members 5,000-byte project id", method: "GET", path: "/v1/projects/" + long + "/members", token: acme, status: 400, code: "BAD_REQUEST", field: "projectId"},
		{name: "member 5,000-byte principal id", method: "PUT", path: "/v1/projects/" + p + "/members/" + long, token: acme, body: `{"role": "viewer"}`, status: 400, code: "BAD_REQUEST", field: "principalId"},
		{name: "member of another client's project", method: "PUT", path: "/v1/projects/" + theirs + "/members/x", token: acme, body: `{"role": "viewer"}`, status: 404, code: "NOT_FOUND"},
		{name: "member null role", method: "PUT", path: "/v1/projects/" + p + "/members/x", token: acme, body: `{"role": null}`, status: 400, code: "BAD_REQUEST", field: "role"},

		// Tracking-number jobs.
		{name: "job 5,000-byte project id", method: "POST", path: "/v1/projects/" + long + "/tracking-number-jobs", token: acme, body: job(""), status: 400, code: "BAD_REQUEST", field: "projectId"},
		{name: "job 201-byte Idempotency-Key", method: "POST", path: jobs, token: acme, body: job(""), header: map[string]string{"Idempotency-Key": strings.Repeat("k", 201)}, status: 400, code: "BAD_REQUEST", field: "Idempotency-Key"},
		{name: "job control character in reference", method: "POST", path: jobs, token: acme, body: job(`, "externalReference": "b\u001b[31m"`), status: 400, code: "BAD_REQUEST", field: "externalReference"},
		{name: "job 1 MB reference", method: "POST", path: jobs, token: acme, body: job(`, "externalReference": "` + megabyte + `"`), status: 400, code: "INVALID_EXTERNAL_REFERENCE", field: "externalReference"},
		{name: "job 1 MB number", method: "POST", path: jobs, token: acme, body: `{"action": "ADD", "trackingNumbers": [{"trackingNumber": "` + megabyte + `"}]}`, status: 400, code: "INVALID_TRACKING_NUMBER"},
		{name: "job duplicate keys", method: "POST", path: jobs, token: acme, body: `{"action": "ADD", "action": "REMOVE", "trackingNumbers": [{"trackingNumber": "1Z999AA10123456784"}]}`, status: 400, code: "BAD_REQUEST"},
		{name: "job invalid UTF-8", method: "POST", path: jobs, token: acme, body: job(`, "externalReference": "` + "\xff\xfe" + `"`), status: 400, code: "BAD_REQUEST"},
		{name: "job trailing JSON", method: "POST", path: jobs, token: acme, body: job("") + ` []`, status: 400, code: "BAD_REQUEST"},
		{name: "job null body", method: "POST", path: jobs, token: acme, body: `null`, status: 400, code: "BAD_REQUEST"},
		{name: "job null number entry", method: "POST", path: jobs, token: acme, body: `{"action": "ADD", "trackingNumbers": [null]}`, status: 400, code: "BAD_REQUEST"},
		{name: "job in another client's project", method: "POST", path: "/v1/projects/" + theirs + "/tracking-number-jobs", token: acme, body: job(""), status: 404, code: "NOT_FOUND"},
		{name: "jobs 5,000-byte jobId query", method: "GET", path: jobs + "?jobId=" + long, token: acme, status: 400, code: "BAD_REQUEST", field: "jobId"},
		{name: "report 5,000-byte job id", method: "GET", path: jobs + "/" + long + "/report", token: acme, status: 400, code: "BAD_REQUEST", field: "jobId"},
		{name: "jobs of another client's project", method: "GET", path: "/v1/projects/" + theirs + "/tracking-number-jobs", token: acme, status: 404, code: "NOT_FOUND"},
		{name: "numbers 5,000-byte cursor", method: "GET", path: "/v1/projects/" + p + "/tracking-numbers?cursor=" + long, token: acme, status: 400, code: "BAD_REQUEST", field: "cursor"},

		// Message injection: refusals of the whole request.
		{name: "messages null body", method: "POST", path: "/v1/messages", token: acme, body: `null`, status: 400, code: "BAD_REQUEST"},
		{name: "messages duplicate keys", method: "POST", path: "/v1/messages", token: acme, body: `{"batchReference": "a", ` + msgs(`"b"`)[1:], status: 400, code: "BAD_REQUEST"},
		{name: "messages invalid UTF-8", method: "POST", path: "/v1/messages", token: acme, body: msgs("\"\xff\""), status: 400, code: "BAD_REQUEST"},
		{name: "messages trailing JSON", method: "POST", path: "/v1/messages", token: acme, body: msgs(`"b"`) + `{}`, status: 400, code: "BAD_REQUEST"},
		{name: "messages control character in batchReference", method: "POST", path: "/v1/messages", token: acme, body: msgs(`"b\u0000"`), status: 400, code: "INVALID_BATCH_REFERENCE", field: "batchReference"},
		{name: "messages 1 MB batchReference", method: "POST", path: "/v1/messages", token: acme, body: msgs(`"` + megabyte + `"`), status: 400, code: "INVALID_BATCH_REFERENCE", field: "batchReference"},
		{name: "messages null messages", method: "POST", path: "/v1/messages", token: acme, body: `{"batchReference": "b", "messages": null}`, status: 400, code: "NO_MESSAGES"},

		// The tracker.
		{name: "tracker null body", method: "POST", path: "/v1/tracker", token: acme, body: `null`, status: 400, code: "BAD_REQUEST"},
		{name: "tracker duplicate keys", method: "POST", path: "/v1/tracker", token: acme, body: `{"paging": {"number": 1}, "paging": {"number": 2}}`, status: 400, code: "BAD_REQUEST"},
		{name: "tracker trailing JSON", method: "POST", path: "/v1/tracker", token: acme, body: `{} {}`, status: 400, code: "BAD_REQUEST"},
		{name: "tracker invalid UTF-8", method: "POST", path: "/v1/tracker", token: acme, body: "{\"search\": [{\"by\": \"id\", \"value\": \"\xff\"}]}", status: 400, code: "BAD_REQUEST"},
		{name: "tracker huge page number", method: "POST", path: "/v1/tracker", token: acme, body: `{"paging": {"number": 9223372036854775807, "size": 100}}`, status: 400, code: "BAD_REQUEST", field: "paging.number"},
		{name: "tracker range to year 9999", method: "POST", path: "/v1/tracker", token: acme, body: `{"search": [{"by": "receivedDate", "value": ["2026-01-01", "9999-12-31"]}]}`, status: 400, code: "BAD_REQUEST", field: "search[0].value"},
		{name: "tracker range 0001..9999", method: "POST", path: "/v1/tracker", token: acme, body: `{"search": [{"by": "receivedDate", "value": ["0001-01-01", "9999-12-31"]}]}`, status: 400, code: "BAD_REQUEST", field: "search[0].value"},
		{name: "tracker null value", method: "POST", path: "/v1/tracker", token: acme, body: `{"search": [{"by": "messageType", "value": null}]}`, status: 400, code: "BAD_REQUEST", field: "search[0].value"},
		{name: "tracker 100,000 sorts", method: "POST", path: "/v1/tracker", token: acme, body: `{"sorts": [` + strings.Repeat(`{"by": "receivedDate"},`, 99999) + `{"by": "receivedDate"}]}`, status: 400, code: "BAD_REQUEST", field: "sorts"},
		{name: "tracker 5,000-byte id", method: "POST", path: "/v1/tracker", token: acme, body: `{"search": [{"by": "id", "value": "` + long + `"}]}`, status: 400, code: "BAD_REQUEST", field: "search[0].value"},
		{name: "tracker bidi override", method: "POST", path: "/v1/tracker", token: acme, body: `{"search": [{"by": "externalReference", "value": "\u2066x"}]}`, status: 400, code: "BAD_REQUEST", field: "search[0].value"},

		// The public tracking routes keep ShipX's shapes.
		{name: "tracking 5,000-digit number", method: "GET", path: "/v1/tracking/" + strings.Repeat("1", 5000), status: 400, code: "uknown_tracking_number"},
		{name: "service history 5,000-digit number", method: "GET", path: "/v1/tracking/" + strings.Repeat("1", 5000) + "/service_history", status: 400, code: "uknown_tracking_number"},
		{name: "flow 5,000-byte type", method: "GET", path: "/v1/tracking/flow/" + long, status: 400, code: "BAD_REQUEST", field: "shipment_type"},
		{name: "tracking control characters", method: "GET", path: "/v1/tracking/" + url.PathEscape("1Z999AA1\u202e0123456784"), status: 400, code: "uknown_tracking_number"},
	}
	before := e.Items(t)
	for _, a := range attacks {
		t.Run(a.name, func(t *testing.T) { a.run(t, e) })
	}
	if after := e.Items(t); len(after) != len(before) {
		t.Fatalf("refused requests stored items: %d before, %d after: %v", len(before), len(after), apitest.Keys(after))
	}
}

// One bad message is that message Invalid; the others are applied, and
// no message, however large, makes an item DynamoDB would refuse.
func TestMessagesEachJudgedAloneAndStorable(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	_, token := e.Token(t, "carrier")
	n := dhl(7)
	good := event(n, "picked_up", "PU", "Kraków\tPL", "2026-03-01T08:00:00Z")
	big := strings.Repeat("x", 500_000)
	body := `{"batchReference": "hostile", "messages": [` + strings.Join([]string{
		mustJSON(t, good),
		`null`,
		`{"payload": {"trackingNumber": "` + n + `"}}`,
		`{"messageType": null, "payload": {"trackingNumber": "` + n + `"}}`,
		`{"messageType": "", "payload": {"trackingNumber": "` + n + `"}}`,
		`{"messageType": "TrackingEvent", "payload": {"trackingNumber": "` + n + `", "status": "x", "agency": "` + big + `", "datetime": "2026-03-01T08:00:00Z"}}`,
		`{"messageType": "TrackingEvent", "payload": {"trackingNumber": "` + n + `", "status": "x\u0000", "datetime": "2026-03-01T08:00:00Z"}}`,
		`{"messageType": "TrackingEvent", "externalReference": "\u202eevil", "payload": {"trackingNumber": "` + n + `", "status": "x", "datetime": "2026-03-01T08:00:00Z"}}`,
		`{"messageType": "TrackingEvent", "externalReference": "` + big + `", "payload": {"trackingNumber": "` + n + `", "status": "x", "datetime": "2026-03-01T08:00:00Z"}}`,
		`{"messageType": "` + big + `", "payload": {}}`,
		`"TrackingEvent"`,
		`{"messageType": 1, "payload": {}}`,
		`{"messageType": "Shipment", "payload": null}`,
		`{"messageType": "TrackingEvent", "payload": {"trackingNumber": "` + n + `", "status": "x", "datetime": "9999-12-31T23:59:59-23:59"}}`,
	}, ",") + `]}`
	var out struct {
		Data struct{ ID string } `json:"data"`
	}
	e.Call(t, "POST", "/v1/messages", token, body).Want(t, 202).JSON(t, &out)
	deadline := time.Now().Add(60 * time.Second)
	for {
		r, err := e.API.Messages.Store.Request(context.Background(), out.Data.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !r.ProcessedAt.IsZero() {
			if r.Summary.Total != 14 || r.Summary.Complete != 2 || r.Summary.Invalid != 12 {
				t.Fatalf("summary %+v, want 2 Complete and 12 Invalid", r.Summary)
			}
			outcomes, err := e.API.Messages.Store.Outcomes(context.Background(), r)
			if err != nil {
				t.Fatal(err)
			}
			want := map[int]string{1: "null", 2: "messageType is required", 3: "messageType is required", 4: "messageType is required",
				5: "larger than 16384 bytes", 6: "U+0000", 7: "U+202E", 8: "longer than 128", 9: "is not one of", 10: "not a string",
				11: "must be a string", 12: "payload is required"}
			for i, m := range outcomes {
				frag, bad := want[i]
				if bad && (m.Status != "Invalid" || !strings.Contains(strings.Join(m.Errors, "; "), frag)) {
					t.Errorf("message %d: %s %v, want Invalid mentioning %q", i, m.Status, m.Errors, frag)
				}
				if !bad && m.Status != "Complete" {
					t.Errorf("message %d: %s %v", i, m.Status, m.Errors)
				}
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("request not processed: %+v", r.Summary)
		}
		time.Sleep(50 * time.Millisecond)
	}
	items := e.Items(t)
	keys := apitest.Keys(items)
	for i, it := range items {
		if size := apitest.ItemSize(it); size > 300<<10 {
			t.Errorf("%s is %d bytes", keys[i], size)
		}
	}
	var res struct{ Status string }
	e.Call(t, "GET", "/v1/tracking/"+n, "", nil).Want(t, 200).JSON(t, &res)
	if res.Status != "picked_up" && res.Status != "x" {
		t.Fatalf("status %q", res.Status)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A frozen queue: the job and the request are stored, not queued, and
// say so with 503 and Retry-After in time.
func TestQueueFrozen503WithinDeadline(t *testing.T) {
	t.Parallel()
	e := apitest.StartWith(t, apitest.Options{
		AWS:      awsclient.Options{AttemptTimeout: 500 * time.Millisecond, SQSEndpoint: apitest.FrozenEndpoint(t)},
		Deadline: 5 * time.Second,
	})
	_, token := e.Token(t, "acme")
	p := createProject(t, e, token, "queue down")
	req := newJSONRequest(t, "POST", "/v1/projects/"+p.ProjectID+"/tracking-number-jobs", map[string]any{"action": "ADD", "trackingNumbers": numbers(dhl(1))})
	req.Header.Set("Authorization", "Bearer "+token)
	var j jobOut
	r := e.Do(t, apitest.Allow503(req)).Want(t, 503)
	r.JSON(t, &j)
	if j.Status != "NOT_ACCEPTED" || r.Header.Get("Retry-After") == "" {
		t.Fatalf("job %+v, Retry-After %q", j, r.Header.Get("Retry-After"))
	}
	req = newJSONRequest(t, "POST", "/v1/messages", map[string]any{"batchReference": "b", "messages": []msg{event(dhl(1), "picked_up", "", nil, "2026-03-01T08:00:00Z")}})
	req.Header.Set("Authorization", "Bearer "+token)
	r = e.Do(t, apitest.Allow503(req)).Want(t, 503)
	if code, _ := refusal(t, r.Body); code != "QUEUE_UNAVAILABLE" || r.Header.Get("Retry-After") == "" {
		t.Fatalf("answer %s", r.Body)
	}
}

// A store failing after the messages are written but before the request
// is: the caller gets 503, and the half-written request is removed.
// Not parallel: the clean-up has until the answer is due (9 s of the
// 10 s deadline), which other tests' load can use up; then the items
// stay, as designed, and the test fails on the machine's speed.
func TestMessagesStoreFailingHalfWayLeavesNothing(t *testing.T) {
	var armed atomic.Bool
	e := apitest.StartWith(t, apitest.Options{
		AWS: awsclient.Options{DynamoDBEndpoint: apitest.FaultyDynamoDB(t, &armed, "PutItem")},
	})
	_, token := e.Token(t, "carrier")
	before := e.Items(t)
	armed.Store(true)
	req := newJSONRequest(t, "POST", "/v1/messages", map[string]any{"batchReference": "half", "messages": []msg{
		event(dhl(3), "picked_up", "", nil, "2026-03-01T08:00:00Z"), {MessageType: "Teleport", Payload: map[string]any{}},
	}})
	req.Header.Set("Authorization", "Bearer "+token)
	r := e.Do(t, apitest.Allow503(req)).Want(t, 503)
	if code, _ := refusal(t, r.Body); code != "SERVICE_UNAVAILABLE" || r.Header.Get("Retry-After") == "" {
		t.Fatalf("answer %s", r.Body)
	}
	armed.Store(false)
	if after := e.Items(t); len(after) != len(before) {
		t.Fatalf("the failed request left %d items: %v", len(after)-len(before), apitest.Keys(after))
	}
}
