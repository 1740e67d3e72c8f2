package systemtest

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/parcelgate/parcelgate/internal/apitest"
)

type accountOut struct {
	BaseuserID string `json:"baseuser_ID"`
	Status     string `json:"status"`
	Created    bool   `json:"created"`
	Message    string `json:"message"`
}

type licencesOut struct {
	Licences  int `json:"licences"`
	Used      int `json:"used"`
	Available int `json:"available"`
}

type taskOut struct {
	TaskID     string     `json:"taskId"`
	Code       string     `json:"code"`
	Status     string     `json:"status"`
	CreatedAt  time.Time  `json:"createdAt"`
	StartedAt  *time.Time `json:"startedAt"`
	FinishedAt *time.Time `json:"finishedAt"`
	Counts     struct {
		Read    int `json:"read"`
		Changed int `json:"changed"`
		Skipped int `json:"skipped"`
	} `json:"counts"`
	Error *string `json:"error"`
}

func projectPath(base string) string {
	return "/v1/projects/" + strings.TrimPrefix(base, "/v1/data/")
}

func putAccounts(t *testing.T, e *apitest.Env, base, token string, accounts ...map[string]any) []accountOut {
	t.Helper()
	var out []accountOut
	e.Call(t, "POST", base+"/accounts", token, accounts).Want(t, 200).JSON(t, &out)
	if len(out) != len(accounts) {
		t.Fatalf("%d results for %d accounts: %+v", len(out), len(accounts), out)
	}
	return out
}

func setLicences(t *testing.T, e *apitest.Env, base, token string, n int) licencesOut {
	t.Helper()
	var l licencesOut
	e.Call(t, "PUT", projectPath(base)+"/licences", token, map[string]int{"licences": n}).Want(t, 200).JSON(t, &l)
	return l
}

func licences(t *testing.T, e *apitest.Env, base, token string) licencesOut {
	t.Helper()
	var l licencesOut
	e.Call(t, "GET", projectPath(base)+"/licences", token, nil).Want(t, 200).JSON(t, &l)
	return l
}

func TestAccountsAndLicencesBadInputIs400AndWritesNothing(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	base, token := dataProject(t, e)
	setLicences(t, e, base, token, 5)
	for _, c := range []struct {
		name  string
		body  any
		field string
	}{
		{"empty", []any{}, "(body)"},
		{"object", map[string]any{"baseuser_ID": "a", "status": "active"}, "(body)"},
		{"no status", []any{map[string]any{"baseuser_ID": "a"}}, "[0].status"},
		{"bad status", []any{map[string]any{"baseuser_ID": "a", "status": "actif"}}, "[0].status"},
		{"no code", []any{map[string]any{"status": "active"}}, "[0].baseuser_ID"},
		{"unknown field", []any{map[string]any{"baseuser_ID": "a", "status": "active", "role": "x"}}, "[0].role"},
		{"too long", []any{map[string]any{"baseuser_ID": "a", "status": "active"}, map[string]any{"baseuser_ID": "b", "status": "active", "login": strings.Repeat("x", 256)}}, "[1].login"},
		{"twice", []any{map[string]any{"baseuser_ID": "a", "status": "active"}, map[string]any{"baseuser_ID": "a", "status": "suspended"}}, "[1].baseuser_ID"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if f := problemField(t, e.Call(t, "POST", base+"/accounts", token, c.body).Want(t, 400)); f != c.field {
				t.Errorf("field %q, want %q", f, c.field)
			}
		})
	}
	e.Call(t, "GET", base+"/baseuser/a", token, nil).Want(t, 404)
	if l := licences(t, e, base, token); l.Used != 0 {
		t.Errorf("licences %+v", l)
	}
	for _, body := range []any{map[string]any{"licences": -1}, map[string]any{"licences": "5"}, map[string]any{}, map[string]any{"licences": 5, "x": 1}} {
		e.Call(t, "PUT", projectPath(base)+"/licences", token, body).Want(t, 400)
	}
	if l := licences(t, e, base, token); l.Licences != 5 {
		t.Errorf("licences %+v", l)
	}
	// Licences are the admin's: a contributor may manage accounts only.
	id, secret := e.Principal(t, "acme")
	e.Call(t, "PUT", projectPath(base)+"/members/"+id, token, map[string]string{"role": "contributor"}).Want(t, 200)
	contributor := e.TokenFor(t, id, secret)
	e.Call(t, "PUT", projectPath(base)+"/licences", contributor, map[string]int{"licences": 50}).Want(t, 403)
	putAccounts(t, e, base, contributor, map[string]any{"baseuser_ID": "c", "status": "active"})
	if l := licences(t, e, base, contributor); l != (licencesOut{Licences: 5, Used: 1, Available: 4}) {
		t.Errorf("licences %+v", l)
	}
}

func TestAccountsLicencesAndTasksOfAnotherClientAre404(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	base, token := dataProject(t, e)
	setLicences(t, e, base, token, 1)
	_, globex := e.Token(t, "globex")
	e.Call(t, "GET", projectPath(base)+"/licences", globex, nil).Want(t, 404)
	e.Call(t, "PUT", projectPath(base)+"/licences", globex, map[string]int{"licences": 100}).Want(t, 404)
	e.Call(t, "POST", base+"/accounts", globex, []any{map[string]any{"baseuser_ID": "a", "status": "active"}}).Want(t, 404)
	e.Call(t, "POST", base+"/tasks", globex, []any{map[string]any{"code": "refreshShipments"}}).Want(t, 404)
	e.Call(t, "GET", base+"/tasks", globex, nil).Want(t, 404)
	var created []taskOut
	e.Call(t, "POST", base+"/tasks", token, []any{map[string]any{"code": "refreshShipments"}}).Want(t, 200).JSON(t, &created)
	e.Call(t, "GET", base+"/tasks/"+created[0].TaskID, globex, nil).Want(t, 404)
	if l := licences(t, e, base, token); l != (licencesOut{Licences: 1, Used: 0, Available: 1}) {
		t.Errorf("licences %+v", l)
	}
	e.Call(t, "GET", base+"/baseuser/a", token, nil).Want(t, 404)
	// Under their own project, our task id names nothing.
	var p projectOut
	e.Call(t, "POST", "/v1/projects", globex, map[string]string{"name": "theirs"}).Want(t, 201).JSON(t, &p)
	e.Call(t, "GET", "/v1/data/"+p.ProjectID+"/tasks/"+created[0].TaskID, globex, nil).Want(t, 404)
	var listed []taskOut
	e.Call(t, "GET", "/v1/data/"+p.ProjectID+"/tasks", globex, nil).Want(t, 200).JSON(t, &listed)
	if len(listed) != 0 {
		t.Errorf("their tasks %+v", listed)
	}
}

// waitTask polls a task until it ends.
func waitTask(t *testing.T, e *apitest.Env, base, token, id string) taskOut {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var got taskOut
		e.Call(t, "GET", base+"/tasks/"+id, token, nil).Want(t, 200).JSON(t, &got)
		if got.Status == "COMPLETED" || got.Status == "FAILED" {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("task %s still %s", id, got.Status)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func createTasks(t *testing.T, e *apitest.Env, base, token string, codes ...string) []taskOut {
	t.Helper()
	body := make([]map[string]string, len(codes))
	for i, c := range codes {
		body[i] = map[string]string{"code": c}
	}
	var out []taskOut
	e.Call(t, "POST", base+"/tasks", token, body).Want(t, 200).JSON(t, &out)
	return out
}

func TestTasksCodeRepeatedOrPendingCreatesOneTask(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	base, token := dataProject(t, e)
	e.HoldTasks.Store(true)
	created := createTasks(t, e, base, token, "renewSubscriptions", "renewSubscriptions", "refreshShipments")
	if len(created) != 2 || created[0].Code != "renewSubscriptions" || created[1].Code != "refreshShipments" ||
		created[0].Status != "QUEUED" || created[0].TaskID == created[1].TaskID {
		t.Fatalf("created %+v", created)
	}
	// Both wait in the queue: asking again creates nothing.
	if again := createTasks(t, e, base, token, "refreshShipments", "renewSubscriptions"); len(again) != 0 {
		t.Fatalf("pending codes created %+v", again)
	}
	// Concurrent calls for a pending code create nothing either.
	var g errgroup.Group
	for range 10 {
		g.Go(func() error {
			if got := createTasks(t, e, base, token, "renewSubscriptions"); len(got) != 0 {
				return fmt.Errorf("created %+v", got)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	var listed []taskOut
	e.Call(t, "GET", base+"/tasks", token, nil).Want(t, 200).JSON(t, &listed)
	if len(listed) != 2 || listed[0].Status != "QUEUED" || listed[1].Status != "QUEUED" {
		t.Fatalf("listed %+v", listed)
	}
	e.HoldTasks.Store(false)
	for _, c := range created {
		if got := waitTask(t, e, base, token, c.TaskID); got.Status != "COMPLETED" || got.StartedAt == nil || got.FinishedAt == nil || got.Error != nil {
			t.Fatalf("task %+v", got)
		}
	}
	// Once they ran, the codes may be asked for again.
	if again := createTasks(t, e, base, token, "renewSubscriptions"); len(again) != 1 {
		t.Fatalf("after the run: %+v", again)
	}
	// Pages of the list.
	r := e.Call(t, "GET", base+"/tasks?limit=2", token, nil).Want(t, 200)
	var first []taskOut
	r.JSON(t, &first)
	next := r.Header.Get("Next-Cursor")
	var rest []taskOut
	e.Call(t, "GET", base+"/tasks?limit=2&cursor="+next, token, nil).Want(t, 200).JSON(t, &rest)
	if len(first) != 2 || next == "" || len(rest) != 1 || first[0].Code != "renewSubscriptions" || first[0].TaskID == created[0].TaskID {
		t.Fatalf("pages %+v / %+v", first, rest)
	}
}

func TestTasksBadInputIs400AndQueuesNothing(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	base, token := dataProject(t, e)
	for _, c := range []struct {
		name, want string
		body       any
	}{
		{"unknown code", "[1].code", []any{map[string]any{"code": "renewSubscriptions"}, map[string]any{"code": "purgeEverything"}}},
		{"no code", "[0].code", []any{map[string]any{}}},
		{"empty", "(body)", []any{}},
		{"object", "(body)", map[string]any{"code": "renewSubscriptions"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := e.Call(t, "POST", base+"/tasks", token, c.body).Want(t, 400)
			if f := problemField(t, r); f != c.want {
				t.Errorf("field %q, want %q", f, c.want)
			}
			if c.name == "unknown code" && !strings.Contains(string(r.Body), "purgeEverything") {
				t.Errorf("problem does not name the code: %s", r.Body)
			}
		})
	}
	var listed []taskOut
	e.Call(t, "GET", base+"/tasks", token, nil).Want(t, 200).JSON(t, &listed)
	if len(listed) != 0 {
		t.Fatalf("bad calls queued %+v", listed)
	}
	e.Call(t, "GET", base+"/tasks/nope", token, nil).Want(t, 404)
	e.Call(t, "GET", base+"/tasks?limit=0", token, nil).Want(t, 400)
}

func TestAccountsActiveNeverExceedLicencesUnder50ConcurrentActivations(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	base, token := dataProject(t, e)
	if l := setLicences(t, e, base, token, 10); l != (licencesOut{Licences: 10, Used: 0, Available: 10}) {
		t.Fatalf("licences %+v", l)
	}
	const callers = 50
	results := make([]accountOut, callers)
	var g errgroup.Group
	for i := range callers {
		g.Go(func() error {
			body := fmt.Sprintf(`[{"baseuser_ID":"U-%02d","login":"u%02d","status":"active"}]`, i, i)
			// DynamoDB Local runs 50 transactions on one item far slower
			// than DynamoDB (seconds each on a shared machine): a call may
			// run out of its deadline and answer 503, which tells the
			// client to send it again. The call is idempotent, so the
			// caller does; the count must hold whatever the retries.
			for attempt := 1; ; attempt++ {
				req, err := http.NewRequest("POST", base+"/accounts", strings.NewReader(body))
				if err != nil {
					return err
				}
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+token)
				r := e.Do(t, apitest.Allow503(req))
				if r.Status == 503 && attempt < 8 {
					continue
				}
				if r.Status != 200 {
					return fmt.Errorf("account %d: %d %s", i, r.Status, r.Body)
				}
				var out []accountOut
				r.JSON(t, &out)
				results[i] = out[0]
				return nil
			}
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	// A retried call finds its account written by the attempt that ran
	// out of time: "status unchanged", with the status that attempt got.
	active, deactivated := []string{}, []string{}
	for i, r := range results {
		switch {
		case r.BaseuserID != fmt.Sprintf("U-%02d", i):
			t.Errorf("result %d: %+v", i, r)
		case r.Status == "active" && (r.Created || r.Message == "status unchanged"):
			active = append(active, r.BaseuserID)
		case r.Status == "deactivated" && (strings.Contains(r.Message, "no licence left") || r.Message == "status unchanged"):
			deactivated = append(deactivated, r.BaseuserID)
		default:
			t.Errorf("unexpected result %+v", r)
		}
	}
	if len(active) != 10 || len(deactivated) != 40 {
		t.Fatalf("%d active, %d deactivated; want 10 and 40", len(active), len(deactivated))
	}
	if l := licences(t, e, base, token); l != (licencesOut{Licences: 10, Used: 10, Available: 0}) {
		t.Fatalf("licences %+v", l)
	}
	if n := activeAccounts(t, e, base, token); n != 10 {
		t.Fatalf("%d active records", n)
	}

	// No licence left: a deactivated account asked active stays so.
	if got := putAccounts(t, e, base, token, map[string]any{"baseuser_ID": deactivated[0], "status": "active"}); got[0].Status != "deactivated" || !strings.Contains(got[0].Message, "no licence left") {
		t.Fatalf("activation without licence: %+v", got)
	}
	// Suspending an active account frees its licence for the next one.
	if got := putAccounts(t, e, base, token, map[string]any{"baseuser_ID": active[0], "status": "suspended"}); got[0].Status != "suspended" || got[0].Created {
		t.Fatalf("suspend: %+v", got)
	}
	got := putAccounts(t, e, base, token,
		map[string]any{"baseuser_ID": deactivated[0], "status": "active"},
		map[string]any{"baseuser_ID": deactivated[1], "status": "active"})
	if got[0].Status != "active" || got[1].Status != "deactivated" {
		t.Fatalf("after freeing one licence: %+v", got)
	}
	// Deleting an active account frees its licence too.
	e.Call(t, "DELETE", base+"/baseuser/"+active[1], token, nil).Want(t, 204)
	if l := licences(t, e, base, token); l.Used != 9 {
		t.Fatalf("after a delete: %+v", l)
	}
	if got := putAccounts(t, e, base, token, map[string]any{"baseuser_ID": deactivated[1], "status": "active"}); got[0].Status != "active" {
		t.Fatalf("after a delete: %+v", got)
	}
	if l, n := licences(t, e, base, token), activeAccounts(t, e, base, token); l.Used != 10 || n != 10 {
		t.Fatalf("licences %+v, %d active records", l, n)
	}
	// Raising the licences lets the next activation through.
	setLicences(t, e, base, token, 11)
	if got := putAccounts(t, e, base, token, map[string]any{"baseuser_ID": deactivated[2], "status": "active"}); got[0].Status != "active" {
		t.Fatalf("after raising the licences: %+v", got)
	}
}

func TestAccountsExistingAccountChangesOnlyItsStatus(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	base, token := dataProject(t, e)
	setLicences(t, e, base, token, 5)
	got := putAccounts(t, e, base, token, map[string]any{"baseuser_ID": "jdoe", "login": "jdoe", "name": "J. Doe", "email": "jdoe@example.com", "status": "active"})
	if got[0] != (accountOut{BaseuserID: "jdoe", Status: "active", Created: true, Message: "created"}) {
		t.Fatalf("create: %+v", got)
	}
	before := decodeRecordBody(t, e.Call(t, "GET", base+"/baseuser/jdoe", token, nil).Want(t, 200))
	got = putAccounts(t, e, base, token, map[string]any{"baseuser_ID": "jdoe", "login": "other", "name": "Other", "email": "other@example.com", "status": "suspended"})
	if got[0].Status != "suspended" || got[0].Created || !strings.Contains(got[0].Message, "from active to suspended") {
		t.Fatalf("update: %+v", got)
	}
	after := decodeRecordBody(t, e.Call(t, "GET", base+"/baseuser/jdoe", token, nil).Want(t, 200))
	for _, f := range []string{"login", "name", "email"} {
		if after[f] != before[f] {
			t.Errorf("%s changed from %v to %v", f, before[f], after[f])
		}
	}
	if after["status"] != "suspended" || after["srvDateUTC"] == before["srvDateUTC"] {
		t.Errorf("after %v", after)
	}
	if l := licences(t, e, base, token); l.Used != 0 {
		t.Errorf("licences %+v", l)
	}
	// The same status again changes nothing, not even srvDateUTC.
	if got := putAccounts(t, e, base, token, map[string]any{"baseuser_ID": "jdoe", "status": "suspended"}); got[0].Message != "status unchanged" {
		t.Errorf("same status: %+v", got)
	}
	if again := decodeRecordBody(t, e.Call(t, "GET", base+"/baseuser/jdoe", token, nil).Want(t, 200)); again["srvDateUTC"] != after["srvDateUTC"] {
		t.Errorf("unchanged account rewritten: %v", again)
	}
	// The generic record routes cannot set a status past the licences.
	if f := problemField(t, e.Call(t, "PUT", base+"/baseuser/jdoe", token, map[string]any{"status": "active"}).Want(t, 400)); f != "status" {
		t.Errorf("generic status update names %s", f)
	}
	e.Call(t, "POST", base+"/baseuser", token, map[string]any{"baseuser_ID": "x", "status": "active"}).Want(t, 400)
}

func TestTaskRenewSubscriptionsMovesExpiryOfUndeliveredShipmentsOnly(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	id, secret := e.Principal(t, "acme")
	token := e.TokenFor(t, id, secret)
	var p projectOut
	e.Call(t, "POST", "/v1/projects", token, map[string]string{"name": "erp"}).Want(t, 201).JSON(t, &p)
	base := "/v1/data/" + p.ProjectID
	const (
		transit   = "1Z999AA10123456784"
		delivered = "9400111201080805483016"
		twice     = "9261292700768711948021"
	)
	for code, number := range map[string]any{"S-1": transit, "S-2": delivered, "S-3": nil, "S-4": twice, "S-5": twice} {
		e.Call(t, "POST", base+"/shipment", token, map[string]any{"shipment_ID": code, "trackingNumber": number}).Want(t, 201)
	}
	inject(t, e, token, "feed", event(delivered, "delivered", "", nil, "2026-01-02T10:00:00.000Z"))
	if got := decodeRecordBody(t, e.Call(t, "GET", base+"/shipment/S-2", token, nil).Want(t, 200)); got["status"] != "delivered" {
		t.Fatalf("S-2 %v", got)
	}
	before := projectNumbers(t, e, base, token)
	if len(before) != 3 {
		t.Fatalf("numbers %v", before)
	}
	e.Advance(10 * 24 * time.Hour)
	token = e.TokenFor(t, id, secret) // the old one expired meanwhile
	task := createTasks(t, e, base, token, "renewSubscriptions")[0]
	got := waitTask(t, e, base, token, task.TaskID)
	if got.Status != "COMPLETED" || got.Counts.Read != 5 || got.Counts.Changed != 2 || got.Counts.Skipped != 2 {
		t.Fatalf("task %+v", got)
	}
	after := projectNumbers(t, e, base, token)
	for _, n := range []string{transit, twice} {
		if moved := after[n].Sub(before[n]); moved < 10*24*time.Hour-time.Minute || moved > 10*24*time.Hour+time.Minute {
			t.Errorf("%s expiry moved by %s, want 10 days", n, moved)
		}
		if want := e.Clock().Add(40 * 24 * time.Hour); after[n].Sub(want).Abs() > time.Minute {
			t.Errorf("%s expires %s, want %s", n, after[n], want)
		}
	}
	if !after[delivered].Equal(before[delivered]) {
		t.Errorf("delivered number's expiry moved from %s to %s", before[delivered], after[delivered])
	}
}

func TestTaskRefreshShipmentsRederivesStatusFromTrackingData(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	base, token := dataProject(t, e)
	const (
		early   = "1Z999AA10123456784"
		current = "9400111201080805483016"
	)
	// Events of early arrive before its shipment record exists: the
	// record does not know them until refreshed.
	inject(t, e, token, "feed-1", event(early, "in_transit", "", nil, "2026-01-02T10:00:00.000Z"))
	e.Call(t, "POST", base+"/shipment", token, map[string]any{"shipment_ID": "S-1", "trackingNumber": early}).Want(t, 201)
	e.Call(t, "POST", base+"/shipment", token, map[string]any{"shipment_ID": "S-2", "trackingNumber": current}).Want(t, 201)
	inject(t, e, token, "feed-2", event(current, "delivered", "", nil, "2026-01-03T10:00:00.000Z"))
	e.Call(t, "POST", base+"/shipment", token, map[string]any{"shipment_ID": "S-3"}).Want(t, 201)
	if got := decodeRecordBody(t, e.Call(t, "GET", base+"/shipment/S-1", token, nil).Want(t, 200)); got["status"] != nil {
		t.Fatalf("S-1 before %v", got)
	}
	unchanged := decodeRecordBody(t, e.Call(t, "GET", base+"/shipment/S-2", token, nil).Want(t, 200))

	task := createTasks(t, e, base, token, "refreshShipments")[0]
	got := waitTask(t, e, base, token, task.TaskID)
	if got.Status != "COMPLETED" || got.Counts.Read != 3 || got.Counts.Changed != 1 || got.Counts.Skipped != 1 {
		t.Fatalf("task %+v", got)
	}
	s1 := decodeRecordBody(t, e.Call(t, "GET", base+"/shipment/S-1", token, nil).Want(t, 200))
	if s1["status"] != "in_transit" || s1["statusDate"] != "2026-01-02T10:00:00" || s1["srvExport"] != 0.0 {
		t.Errorf("S-1 after %v", s1)
	}
	if s2 := decodeRecordBody(t, e.Call(t, "GET", base+"/shipment/S-2", token, nil).Want(t, 200)); s2["srvDateUTC"] != unchanged["srvDateUTC"] {
		t.Errorf("S-2 was rewritten: %v", s2)
	}
	// Run again: nothing left to change.
	again := waitTask(t, e, base, token, createTasks(t, e, base, token, "refreshShipments")[0].TaskID)
	if again.Counts.Changed != 0 || again.Counts.Read != 3 {
		t.Errorf("second run %+v", again)
	}
}

func activeAccounts(t *testing.T, e *apitest.Env, base, token string) int {
	t.Helper()
	recs := decodeRecords(t, e.Call(t, "POST", base+"/baseuser/query", token, map[string]any{
		"filter": map[string]any{"field": "status", "op": "eq", "value": "active"},
	}).Want(t, 200))
	return len(recs)
}

type numberOut struct {
	TrackingNumber string    `json:"trackingNumber"`
	ExpiresAt      time.Time `json:"expiresAt"`
}

func projectNumbers(t *testing.T, e *apitest.Env, base, token string) map[string]time.Time {
	t.Helper()
	var numbers listOut[numberOut]
	e.Call(t, "GET", projectPath(base)+"/tracking-numbers", token, nil).Want(t, 200).JSON(t, &numbers)
	out := map[string]time.Time{}
	for _, n := range numbers.Items {
		out[n.TrackingNumber] = n.ExpiresAt
	}
	return out
}
