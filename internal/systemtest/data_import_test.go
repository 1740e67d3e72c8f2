package systemtest

// Emulator-only: chunked imports of the DynamoDB store (TransactItems, raw items), and memory's imports do not yet share the records store.

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/apitest"
)

func TestBulkImportWithABadForeignKeyOnRow750ChangesNothing(t *testing.T) {
	// Not parallel, as TestBulkImportOfManyChunksCountsExactlyAndRepeatingItChangesNothing:
	// the bad row is in the 8th of 10 chunks, after 7 were checked.
	e := apitest.Start(t)
	base, token := dataProject(t, e)
	e.Call(t, "POST", base+"/baseuser", token, map[string]any{"baseuser_ID": "U1", "login": "u1"}).Want(t, 201)
	finished(t, e, token, e.Call(t, "POST", base+"/customer/bulk", token, customers(0, 100, "v1", "U1")))
	before := allCustomers(t, e, base, token)

	rows := customers(0, 1000, "v2", "U1")
	rows[749]["baseuser_ID"] = "NOBODY"
	r := e.Call(t, "POST", base+"/customer/bulk", token, rows).Want(t, 400)
	if f := problemField(t, r); f != "[749].baseuser_ID" {
		t.Errorf("problem names %q, want [749].baseuser_ID: %s", f, r.Body)
	}
	if !strings.Contains(string(r.Body), "row 750") {
		t.Errorf("problem does not say row 750: %s", r.Body)
	}
	after := allCustomers(t, e, base, token)
	if len(after) != len(before) {
		t.Fatalf("%d customers after, %d before", len(after), len(before))
	}
	for code, rec := range before {
		if after[code]["srvDateUTC"] != rec["srvDateUTC"] || after[code]["name"] != "v1" {
			t.Fatalf("%s changed: %v", code, after[code])
		}
	}

	// A foreign key to a row of the same import is resolved in it.
	users := `[{"baseuser_ID": "U2", "login": "u2"}]`
	finished(t, e, token, e.Call(t, "POST", base+"/baseuser/bulk", token, users))
	rows[749]["baseuser_ID"] = "U2"
	res := finished(t, e, token, e.Call(t, "POST", base+"/customer/bulk", token, rows))
	if res.Status != "COMPLETED" || count(t, res.Result, "addedRow") != 900 || count(t, res.Result, "updatedRow") != 100 {
		t.Errorf("fixed import: %+v", res)
	}
}

func TestReadersPollingDuringALargeImportSeeAllOldOrAllNew(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	base, token := dataProject(t, e)
	finished(t, e, token, e.Call(t, "POST", base+"/customer/bulk", token, customers(0, 1500, "old", "")))

	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var pages, mixed atomic.Int64
	// Each reader says once that it saw the new rows.
	const readers = 3
	sawNew := make(chan struct{}, readers)
	read := func(path string, body any, method string) {
		defer wg.Done()
		seen := false
		for ctx.Err() == nil {
			r := e.Call(t, method, path, token, body)
			if r.Status != 200 {
				t.Errorf("%s %s: %d %s", method, path, r.Status, r.Body)
				return
			}
			names := map[any]int{}
			for _, rec := range decodeRecords(t, r) {
				names[rec["name"]]++
			}
			pages.Add(1)
			if len(names) > 1 {
				mixed.Add(1)
				t.Errorf("%s %s saw a mix: %v", method, path, names)
			}
			if names["new"] > 0 && !seen {
				seen = true
				sawNew <- struct{}{}
			}
		}
	}
	wg.Add(readers)
	// A failure below ends the test while the readers read: they stop first.
	t.Cleanup(func() { stop(); wg.Wait() })
	go read(base+"/customer?limit=1000", nil, "GET")
	go read(base+"/customer/query", map[string]any{"filter": map[string]any{"field": "srvExport", "op": "eq", "value": 0},
		"orderBy": []map[string]any{{"field": "srvDateUTC", "direction": "desc"}}, "limit": 1000}, "POST")
	go read(base+"/customer/query", map[string]any{"filter": map[string]any{"field": "customer_ID", "op": "startsWith", "value": "C01"}, "limit": 1000}, "POST")

	st := finished(t, e, token, e.Call(t, "POST", base+"/customer/bulk", token, customers(0, 1500, "new", "")))
	// Every reader keeps reading until it has seen the finished import;
	// the bound only ends a reader that never does.
	bound := time.After(2 * time.Minute)
	for seen := 0; seen < readers; seen++ {
		select {
		case <-sawNew:
		case <-bound:
			t.Errorf("%d of %d readers saw the new rows after the import finished", seen, readers)
			seen = readers
		}
	}
	stop()
	wg.Wait()
	if st.Status != "COMPLETED" || count(t, st.Result, "updatedRow") != 1500 {
		t.Fatalf("import: %+v", st)
	}
	if pages.Load() < readers {
		t.Errorf("readers read %d pages", pages.Load())
	}
}

func TestDatasetWithThreeLevelsOfChildrenRunTwiceDeletesTheChildLeftOut(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	base, token := dataProject(t, e)
	shipments := func(withS2 bool) []map[string]any {
		out := []map[string]any{{"entityName": "shipment", "data": map[string]any{"shipment_ID": "S1", "carrier": "dhl"}}}
		if withS2 {
			out = append(out, map[string]any{"entityName": "shipment", "data": map[string]any{"shipment_ID": "S2", "carrier": "ups"}})
		}
		return out
	}
	doc := func(withS2 bool) map[string]any {
		return map[string]any{"entityName": "baseuser", "data": map[string]any{"baseuser_ID": "U1", "login": "u1"},
			"children": []map[string]any{
				{"entityName": "customer", "data": map[string]any{"customer_ID": "C1", "name": "one"}, "children": []map[string]any{
					{"entityName": "order", "data": map[string]any{"order_ID": "O1"}, "children": shipments(withS2)},
					{"entityName": "order", "data": map[string]any{"order_ID": "O2"}, "children": []map[string]any{
						{"entityName": "document", "data": map[string]any{"document_ID": "D1", "name": "label.pdf"}},
					}},
				}},
				{"entityName": "customer", "data": map[string]any{"customer_ID": "C2", "name": "two"}, "children": []map[string]any{
					{"entityName": "order", "data": map[string]any{"order_ID": "O3"}},
				}},
			}}
	}
	first := finished(t, e, token, e.Call(t, "POST", base+"/dataset", token, doc(true)))
	if first.Status != "COMPLETED" || count(t, first.Result, "addedRow") != 9 || count(t, first.Result, "deletedRow") != 0 {
		t.Fatalf("first dataset: %+v", first)
	}
	s1 := decodeRecordBody(t, e.Call(t, "GET", base+"/shipment/S1", token, nil).Want(t, 200))
	if s1["order_ID"] != "O1" {
		t.Errorf("S1 not linked to its parent: %v", s1)
	}
	if d := decodeRecordBody(t, e.Call(t, "GET", base+"/document/D1", token, nil).Want(t, 200)); d["order_ID"] != "O2" {
		t.Errorf("D1 not linked to its parent: %v", d)
	}
	// An order of C2 the document leaves out is deleted; its shipment,
	// whose parent the document does not hold, stays (no cascade).
	e.Call(t, "POST", base+"/order", token, map[string]any{"order_ID": "O9", "customer_ID": "C2"}).Want(t, 201)
	e.Call(t, "POST", base+"/shipment", token, map[string]any{"shipment_ID": "S9", "order_ID": "O9"}).Want(t, 201)

	second := finished(t, e, token, e.Call(t, "POST", base+"/dataset", token, doc(false)))
	if a, u, d, un := count(t, second.Result, "addedRow"), count(t, second.Result, "updatedRow"), count(t, second.Result, "deletedRow"), count(t, second.Result, "unchangedRow"); a != 0 || u != 0 || d != 2 || un != 8 {
		t.Errorf("second dataset: added %d updated %d deleted %d unchanged %d, want 0 0 2 8", a, u, d, un)
	}
	e.Call(t, "GET", base+"/shipment/S2", token, nil).Want(t, 404)
	e.Call(t, "GET", base+"/order/O9", token, nil).Want(t, 404)
	e.Call(t, "GET", base+"/shipment/S9", token, nil).Want(t, 200)
	if again := decodeRecordBody(t, e.Call(t, "GET", base+"/shipment/S1", token, nil).Want(t, 200)); again["srvDateUTC"] != s1["srvDateUTC"] {
		t.Errorf("unchanged S1 rewritten: %v then %v", s1["srvDateUTC"], again["srvDateUTC"])
	}

	// A bad node anywhere: 400 naming it, nothing written.
	bad := doc(false)
	bad["children"].([]map[string]any)[1]["children"] = []map[string]any{{"entityName": "order", "data": map[string]any{"order_ID": "O4", "orderDate": "yesterday"}}}
	r := e.Call(t, "POST", base+"/dataset", token, bad).Want(t, 400)
	if f := problemField(t, r); f != "children[1].children[0].data.orderDate" {
		t.Errorf("problem names %q: %s", f, r.Body)
	}
	e.Call(t, "GET", base+"/order/O4", token, nil).Want(t, 404)
}

func TestRelationalImportWritesDataRelationsAndDeletesAtomically(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	base, token := dataProject(t, e)
	e.Call(t, "POST", base+"/customer", token, map[string]any{"customer_ID": "C0", "name": "old"}).Want(t, 201)
	e.Call(t, "POST", base+"/order", token, map[string]any{"order_ID": "X1", "customer_ID": "C0"}).Want(t, 201)
	body := map[string]any{
		"noResultData": false,
		"data": []map[string]any{
			{"entityName": "customer", "rows": []map[string]any{{"customer_ID": "R1", "name": "r1"}, {"customer_ID": "R2", "name": "r2"}}},
			{"entityName": "order", "rows": []map[string]any{{"order_ID": "RO1", "customer_ID": "R1"}}},
		},
		"relations": []map[string]any{{"SourceEntityName": "customer", "SourceRowCode": "R2", "TargetEntityName": "order", "TargetRowCode": "RO1", "TargetFieldName": "customer_ID"}},
		"deletes":   []map[string]any{{"entityName": "order", "rowCodes": []string{"X1"}}},
	}
	// A relation to a row that does not exist fails the whole import.
	bad := map[string]any{"data": body["data"], "relations": []map[string]any{{"SourceEntityName": "customer", "SourceRowCode": "R2", "TargetEntityName": "order", "TargetRowCode": "NOPE", "TargetFieldName": "customer_ID"}}}
	r := e.Call(t, "POST", base+"/relational", token, bad).Want(t, 400)
	if f := problemField(t, r); f != "relations[0].TargetRowCode" {
		t.Errorf("problem names %q: %s", f, r.Body)
	}
	e.Call(t, "GET", base+"/customer/R1", token, nil).Want(t, 404)

	res := finished(t, e, token, e.Call(t, "POST", base+"/relational", token, body))
	if res.Status != "COMPLETED" || count(t, res.Result, "addedRow") != 3 || count(t, res.Result, "deletedRow") != 1 {
		t.Fatalf("relational import: %+v", res)
	}
	groups, _ := res.Result["data"].([]any)
	if len(groups) != 2 {
		t.Errorf("stored rows by entity: %v", res.Result["data"])
	}
	if o := decodeRecordBody(t, e.Call(t, "GET", base+"/order/RO1", token, nil).Want(t, 200)); o["customer_ID"] != "R2" {
		t.Errorf("relation not applied: %v", o)
	}
	e.Call(t, "GET", base+"/order/X1", token, nil).Want(t, 404)
}

func TestDatasetDeleteRemovesEveryRowOrNone(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	base, token := dataProject(t, e)
	for _, c := range []string{"C1", "C2", "C3"} {
		e.Call(t, "POST", base+"/customer", token, map[string]any{"customer_ID": c}).Want(t, 201)
	}
	r := e.Call(t, "POST", base+"/dataset/delete", token, []map[string]any{{"entityName": "customer", "rowCodes": []string{"C1", "C2", "C404"}}}).Want(t, 400)
	if f := problemField(t, r); f != "[0].rowCodes[2]" {
		t.Errorf("problem names %q: %s", f, r.Body)
	}
	e.Call(t, "GET", base+"/customer/C1", token, nil).Want(t, 200)
	res := finished(t, e, token, e.Call(t, "POST", base+"/dataset/delete", token, []map[string]any{{"entityName": "customer", "rowCodes": []string{"C1", "C2"}}}))
	if count(t, res.Result, "deletedRow") != 2 {
		t.Fatalf("dataset delete: %+v", res)
	}
	e.Call(t, "GET", base+"/customer/C1", token, nil).Want(t, 404)
	e.Call(t, "GET", base+"/customer/C2", token, nil).Want(t, 404)
	e.Call(t, "GET", base+"/customer/C3", token, nil).Want(t, 200)
}

func TestMergeRepointsTwoThousandReferencesAtomically(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	base, token := dataProject(t, e)
	e.Call(t, "POST", base+"/customer", token, map[string]any{"customer_ID": "SRC", "name": "source", "phone": "+33 1 23"}).Want(t, 201)
	e.Call(t, "POST", base+"/customer", token, map[string]any{"customer_ID": "DST", "name": "target"}).Want(t, 201)
	orders := make([]map[string]any, 2000)
	for i := range orders {
		orders[i] = map[string]any{"order_ID": fmt.Sprintf("O%04d", i), "customer_ID": "SRC"}
	}
	if st := finished(t, e, token, e.Call(t, "POST", base+"/order/bulk", token, orders)); count(t, st.Result, "addedRow") != 2000 {
		t.Fatalf("orders: %+v", st)
	}
	res := finished(t, e, token, e.Call(t, "POST", base+"/customer/mergeData", token, map[string]any{"sourceRowCode": "SRC", "targetRowCode": "DST"}))
	if res.Status != "COMPLETED" || count(t, res.Result, "updatedRow") != 2001 || count(t, res.Result, "deletedRow") != 1 {
		t.Fatalf("merge: %+v", res)
	}
	e.Call(t, "GET", base+"/customer/SRC", token, nil).Want(t, 404)
	if dst := decodeRecordBody(t, e.Call(t, "GET", base+"/customer/DST", token, nil).Want(t, 200)); dst["phone"] != "+33 1 23" || dst["name"] != "target" {
		t.Errorf("target after merge: %v", dst)
	}
	for _, code := range []string{"SRC", "DST"} {
		n, cursor := 0, ""
		for {
			q := map[string]any{"filter": map[string]any{"field": "customer_ID", "op": "eq", "value": code}, "limit": 1000}
			if cursor != "" {
				q["cursor"] = cursor
			}
			r := e.Call(t, "POST", base+"/order/query", token, q).Want(t, 200)
			n += len(decodeRecords(t, r))
			if cursor = r.Header.Get("Next-Cursor"); cursor == "" {
				break
			}
		}
		if want := map[string]int{"SRC": 0, "DST": 2000}[code]; n != want {
			t.Errorf("%d orders of %s, want %d", n, code, want)
		}
	}
	e.Call(t, "POST", base+"/customer/mergeData", token, map[string]any{"sourceRowCode": "SRC", "targetRowCode": "DST"}).Want(t, 400)
}

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
