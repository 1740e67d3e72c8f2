package systemtest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/apitest"
)

type importStatus struct {
	ImportID string         `json:"importId"`
	Kind     string         `json:"kind"`
	Status   string         `json:"status"`
	Result   map[string]any `json:"result"`
	Error    map[string]any `json:"error"`
}

// finished follows an import answer to its end: a 200 is returned as
// is, a 202 is polled at its Location until COMPLETED or FAILED.
func finished(t testing.TB, e *apitest.Env, token string, r apitest.Response) importStatus {
	t.Helper()
	switch r.Status {
	case 200:
		var body map[string]any
		r.JSON(t, &body)
		return importStatus{Status: "COMPLETED", Result: body}
	case 202:
	default:
		t.Fatalf("import answered %d: %s", r.Status, r.Body)
	}
	loc := r.Header.Get("Location")
	if loc == "" {
		t.Fatalf("202 without Location: %s", r.Body)
	}
	deadline := time.Now().Add(10 * time.Minute)
	for {
		var st importStatus
		e.Call(t, "GET", loc, token, nil).Want(t, 200).JSON(t, &st)
		if st.Status == "COMPLETED" || st.Status == "FAILED" {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("import %s still %s", st.ImportID, st.Status)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func customers(from, to int, name string, user string) []map[string]any {
	rows := make([]map[string]any, 0, to-from)
	for i := from; i < to; i++ {
		row := map[string]any{"customer_ID": fmt.Sprintf("C%05d", i), "name": name, "CodeCustomer": fmt.Sprintf("41%04d", i)}
		if user != "" {
			row["baseuser_ID"] = user
		}
		rows = append(rows, row)
	}
	return rows
}

func count(t testing.TB, res map[string]any, name string) int {
	t.Helper()
	v, ok := res[name].(float64)
	if !ok {
		t.Fatalf("result has no %s: %v", name, res)
	}
	return int(v)
}

// allCustomers pages through the customers, by code.
func allCustomers(t testing.TB, e *apitest.Env, base, token string) map[string]dataRecord {
	t.Helper()
	out := map[string]dataRecord{}
	cursor := ""
	for {
		path := base + "/customer?limit=1000"
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		r := e.Call(t, "GET", path, token, nil).Want(t, 200)
		for _, rec := range decodeRecords(t, r) {
			out[rec["customer_ID"].(string)] = rec
		}
		cursor = r.Header.Get("Next-Cursor")
		if cursor == "" {
			return out
		}
	}
}

var errCrash = errors.New("crash injected by the test")
