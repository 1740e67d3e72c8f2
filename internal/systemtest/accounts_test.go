package systemtest

import (
	"fmt"
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
