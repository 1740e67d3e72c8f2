package systemtest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/parcelgate/parcelgate/internal/apitest"
	"github.com/parcelgate/parcelgate/internal/data"
)

type dataRecord = map[string]any

// dataProject is a project of a fresh client and its admin's token.
func dataProject(t testing.TB, e *apitest.Env) (base, token string) {
	t.Helper()
	_, token = e.Token(t, "acme")
	var p projectOut
	e.Call(t, "POST", "/v1/projects", token, map[string]string{"name": "erp"}).Want(t, 201).JSON(t, &p)
	return "/v1/data/" + p.ProjectID, token
}

func decodeRecords(t testing.TB, r apitest.Response) []dataRecord {
	t.Helper()
	var out []dataRecord
	r.JSON(t, &out)
	return out
}

func problemField(t *testing.T, r apitest.Response) string {
	t.Helper()
	var p struct {
		Errors []struct {
			Field string `json:"field"`
		} `json:"errors"`
	}
	r.JSON(t, &p)
	if len(p.Errors) == 0 {
		t.Fatalf("problem names no field: %s", r.Body)
	}
	return p.Errors[0].Field
}

func TestDataEntitiesServeSeedCustomerExample(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	base, token := dataProject(t, e)
	var all []json.RawMessage
	e.Call(t, "GET", base+"/entities", token, nil).Want(t, 200).JSON(t, &all)
	names := []string{}
	var customer json.RawMessage
	for _, raw := range all {
		var head struct {
			EntityName string `json:"entityName"`
		}
		_ = json.Unmarshal(raw, &head)
		names = append(names, head.EntityName)
		if head.EntityName == "customer" {
			customer = raw
		}
	}
	for _, want := range []string{"baseuser", "customer", "order", "shipment", "confreport", "document"} {
		if !strings.Contains(strings.Join(names, ","), want) {
			t.Errorf("entities %v lack %s", names, want)
		}
	}
	// Weavy's example, its missing commas mended; the served entity
	// starts with it (then Polish, then more fields).
	var seed, got struct {
		EntityName   string `json:"entityName"`
		Translations []any  `json:"translations"`
		Fields       []struct {
			FieldName    string `json:"fieldName"`
			Translations []any  `json:"translations"`
			FieldType    string `json:"fieldType"`
			FieldLength  *int   `json:"fieldLength"`
		} `json:"fields"`
	}
	if err := json.Unmarshal([]byte(`{
  "entityName": "customer",
  "translations": [{"languageCode": "DE","text": "Kunde"}, {"languageCode": "EN","text": "Customer"}, {"languageCode": "FR","text": "Client"}],
  "fields": [
     {"fieldName": "CodeCustomer", "translations": [{"languageCode": "DE","text": "Kunde"}, {"languageCode": "EN","text": "Account code"}, {"languageCode": "FR","text": "Code Tiers"}], "fieldType": "text", "fieldLength": 255},
     {"fieldName": "baseuser_ID", "translations": [{"languageCode": "DE","text": "Basis / Benutzer"}, {"languageCode": "EN","text": "Base / User"}, {"languageCode": "FR","text": "Base / Utilisateur"}], "fieldType": "text(foreignkey)", "fieldLength": null},
     {"fieldName": "name", "translations": [{"languageCode": "DE","text": "Name"}, {"languageCode": "EN","text": "Name"}, {"languageCode": "FR","text": "Nom"}], "fieldType": "text", "fieldLength": 255}
  ]}`), &seed); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(customer, &got); err != nil {
		t.Fatal(err)
	}
	if got.EntityName != seed.EntityName || !reflect.DeepEqual(got.Translations[:3], seed.Translations) || len(got.Translations) != 4 {
		t.Errorf("customer %s", customer)
	}
	for i, f := range seed.Fields {
		g := got.Fields[i]
		if g.FieldName != f.FieldName || g.FieldType != f.FieldType || !reflect.DeepEqual(g.FieldLength, f.FieldLength) ||
			!reflect.DeepEqual(g.Translations[:3], f.Translations) || len(g.Translations) != 4 {
			t.Errorf("field %d: %+v, seed %+v", i, g, f)
		}
	}
	one := e.Call(t, "GET", base+"/entities/customer", token, nil).Want(t, 200)
	if !json.Valid(one.Body) || !strings.Contains(string(one.Body), `"entityName":"customer"`) {
		t.Errorf("one entity: %s", one.Body)
	}
	e.Call(t, "GET", base+"/entities/invoice", token, nil).Want(t, 404)
}

func TestDataRecordRoundTripEveryFieldType(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	base, token := dataProject(t, e)
	user := decodeRecordBody(t, e.Call(t, "POST", base+"/baseuser", token, map[string]any{"login": "jdoe", "name": "J. Doe"}).Want(t, 201))
	if code, _ := user["baseuser_ID"].(string); code == "" {
		t.Fatalf("no server-made code: %v", user)
	}
	cust := decodeRecordBody(t, e.Call(t, "POST", base+"/customer", token, map[string]any{
		"customer_ID": "C-1", "CodeCustomer": "411000", "baseuser_ID": user["baseuser_ID"], "name": "Müller GmbH",
		"creditLimit": 1500.50, "active": true,
	}).Want(t, 201))
	order := decodeRecordBody(t, e.Call(t, "POST", base+"/order", token, map[string]any{
		"order_ID": "O-1", "customer_ID": "C-1", "orderDate": "2016-12-05T08:33:33", "totalAmount": "69.33", "itemCount": 3,
	}).Want(t, 201))
	doc := decodeRecordBody(t, e.Call(t, "POST", base+"/document", token, map[string]any{
		"document_ID": "D-1", "order_ID": "O-1", "name": "label.png", "mimeType": "image/png", "content": "iVBORw0KGgo=",
	}).Want(t, 201))
	for _, c := range []struct {
		got  dataRecord
		want map[string]any
	}{
		{cust, map[string]any{"creditLimit": 1500.5, "active": true, "email": nil, "srvExport": 0.0, "CodeCustomer": "411000"}},
		{order, map[string]any{"orderDate": "2016-12-05T08:33:33", "totalAmount": 69.33, "itemCount": 3.0, "notes": nil}},
		{doc, map[string]any{"content": "iVBORw0KGgo=", "order_ID": "O-1"}},
	} {
		for k, v := range c.want {
			if got, ok := c.got[k]; !ok || got != v {
				t.Errorf("%s = %#v (present %v), want %#v", k, got, ok, v)
			}
		}
	}
	stamp, _ := order["srvDateUTC"].(string)
	if len(stamp) != len("2006-01-02T15:04:05.0000000") {
		t.Fatalf("srvDateUTC %q", stamp)
	}
	got := decodeRecordBody(t, e.Call(t, "GET", base+"/order/O-1", token, nil).Want(t, 200))
	if !reflect.DeepEqual(got, order) {
		t.Fatalf("read back %v, created %v", got, order)
	}
	// PUT changes only what it sends, moves srvDateUTC; If-Match pins a version.
	req, _ := http.NewRequest("PUT", base+"/order/O-1", strings.NewReader(`{"notes": "fragile"}`))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("If-Match", stamp)
	updated := decodeRecordBody(t, e.Do(t, req).Want(t, 200))
	if updated["notes"] != "fragile" || updated["itemCount"] != 3.0 || updated["srvDateUTC"].(string) <= stamp {
		t.Fatalf("updated %v", updated)
	}
	req, _ = http.NewRequest("PUT", base+"/order/O-1", strings.NewReader(`{"notes": "lost"}`))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("If-Match", stamp)
	if code := e.Do(t, req).Want(t, 412).Problem(t); code != "PRECONDITION_FAILED" {
		t.Fatalf("code %s", code)
	}
	e.Call(t, "POST", base+"/order", token, map[string]any{"order_ID": "O-1"}).Want(t, 409)
	e.Call(t, "GET", base+"/order/O-2", token, nil).Want(t, 404)
}

func decodeRecordBody(t *testing.T, r apitest.Response) dataRecord {
	t.Helper()
	var out dataRecord
	r.JSON(t, &out)
	return out
}

func TestDataWrite400NamesTheFieldAndStoresNothing(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	base, token := dataProject(t, e)
	e.Call(t, "POST", base+"/customer", token, map[string]any{"customer_ID": "C-1"}).Want(t, 201)
	for _, c := range []struct {
		entity, body, field string
	}{
		{"order", `{"order_ID": "O-1", "customer_ID": "C-404"}`, "customer_ID"},
		{"order", `{"order_ID": "O-1", "itemCount": "three"}`, "itemCount"},
		{"order", `{"order_ID": "O-1", "currency": "EURO"}`, "currency"},
		{"order", `{"order_ID": "O-1", "orderDate": "05/12/2016"}`, "orderDate"},
		{"order", `{"order_ID": "O-1", "srvExport": 1}`, "srvExport"},
		{"order", `{"order_ID": "` + strings.Repeat("x", 201) + `"}`, "order_ID"},
		{"shipment", `{"shipment_ID": "S-1", "status": "delivered"}`, "status"},
		{"shipment", `{"shipment_ID": "S-1", "order_ID": "O-1", "trackingNumber": "1Z999AA10123456784"}`, "order_ID"},
		{"document", `{"document_ID": "D-1", "content": "%%%"}`, "content"},
	} {
		r := e.Call(t, "POST", base+"/"+c.entity, token, c.body).Want(t, 400)
		if got := problemField(t, r); got != c.field {
			t.Errorf("%s %s: field %s, want %s", c.entity, c.body, got, c.field)
		}
	}
	for _, entity := range []string{"order", "shipment", "document"} {
		if recs := decodeRecords(t, e.Call(t, "GET", base+"/"+entity, token, nil).Want(t, 200)); len(recs) != 0 {
			t.Errorf("%s: stored %v", entity, recs)
		}
	}
	// The refused foreign key left no reference behind: the customer can go.
	e.Call(t, "DELETE", base+"/customer/C-1?deleteMode=Physical", token, nil).Want(t, 204)
	// An update with a bad foreign key changes nothing either.
	e.Call(t, "POST", base+"/order", token, map[string]any{"order_ID": "O-1", "notes": "keep"}).Want(t, 201)
	r := e.Call(t, "PUT", base+"/order/O-1", token, map[string]any{"notes": "lost", "customer_ID": "C-1"}).Want(t, 400)
	if problemField(t, r) != "customer_ID" {
		t.Fatalf("%s", r.Body)
	}
	if got := decodeRecordBody(t, e.Call(t, "GET", base+"/order/O-1", token, nil).Want(t, 200)); got["notes"] != "keep" {
		t.Fatalf("after a refused update: %v", got)
	}
}

func TestDataRetrievalOfMoreThanAThousandRecordsInPagesOf1000(t *testing.T) {
	t.Parallel()
	// 1,200 records: a full page of 1,000, then the rest; each is a
	// conditional write, which DynamoDB Local takes slowly, so no more.
	e := apitest.Start(t)
	base, token := dataProject(t, e)
	projectID := strings.TrimPrefix(base, "/v1/data/")
	confreport, _ := data.DefaultCatalog.Entity("confreport")
	g, ctx := errgroup.WithContext(context.Background())
	g.SetLimit(8)
	for i := range 1200 {
		g.Go(func() error {
			_, err := e.API.Data.Create(ctx, projectID, confreport, data.Write{Code: fmt.Sprintf("R%05d", i), Values: map[string]any{"name": fmt.Sprintf("report %d", i)}})
			return err
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	cursor, pages := "", 0
	for {
		r := e.Call(t, "GET", base+"/confreport?limit=1000&cursor="+cursor, token, nil).Want(t, 200)
		recs := decodeRecords(t, r)
		pages++
		for _, rec := range recs {
			code := rec["confreport_ID"].(string)
			if seen[code] {
				t.Fatalf("%s returned twice", code)
			}
			seen[code] = true
			if len(rec) != len(confreport.Fields) {
				t.Fatalf("record has %d fields, the entity %d: %v", len(rec), len(confreport.Fields), rec)
			}
		}
		cursor = r.Header.Get("Next-Cursor")
		if cursor == "" {
			break
		}
		if len(recs) != 1000 || pages > 2 {
			t.Fatalf("page %d: %d records and a cursor", pages, len(recs))
		}
	}
	if len(seen) != 1200 || pages != 2 {
		t.Fatalf("%d records in %d pages", len(seen), pages)
	}
	// The same through advanced retrieval, filtered and projected.
	r := e.Call(t, "POST", base+"/confreport/query", token, map[string]any{
		"filter":  map[string]any{"field": "confreport_ID", "op": "startsWith", "value": "R0009"},
		"fields":  []string{"confreport_ID", "name"},
		"orderBy": []map[string]any{{"field": "confreport_ID", "direction": "desc"}},
		"limit":   5,
	}).Want(t, 200)
	recs := decodeRecords(t, r)
	if len(recs) != 5 || recs[0]["confreport_ID"] != "R00099" || len(recs[0]) != 2 || r.Header.Get("Next-Cursor") == "" {
		t.Fatalf("query: %v, cursor %q", recs, r.Header.Get("Next-Cursor"))
	}
	r = e.Call(t, "POST", base+"/confreport/query", token, map[string]any{
		"filter":  map[string]any{"field": "confreport_ID", "op": "startsWith", "value": "R0009"},
		"orderBy": []map[string]any{{"field": "confreport_ID", "direction": "desc"}},
		"cursor":  r.Header.Get("Next-Cursor"),
	}).Want(t, 200)
	if recs := decodeRecords(t, r); len(recs) != 5 || recs[0]["confreport_ID"] != "R00094" || r.Header.Get("Next-Cursor") != "" {
		t.Fatalf("second page: %d records, first %v, cursor %q", len(recs), recs[0]["confreport_ID"], r.Header.Get("Next-Cursor"))
	}
	e.Call(t, "GET", base+"/confreport?limit=1001", token, nil).Want(t, 400)
	e.Call(t, "GET", base+"/confreport?cursor=bogus", token, nil).Want(t, 400)
}

func deltaQuery(t *testing.T, e *apitest.Env, base, token, entity string) []dataRecord {
	t.Helper()
	return decodeRecords(t, e.Call(t, "POST", base+"/"+entity+"/query", token, map[string]any{
		"filter":  map[string]any{"field": "srvExport", "op": "eq", "value": 0},
		"orderBy": []map[string]any{{"field": "srvDateUTC", "direction": "asc"}},
	}).Want(t, 200))
}

func TestDataDeleteLogicalHidesPhysicalRemoves(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	base, token := dataProject(t, e)
	e.Call(t, "POST", base+"/customer", token, map[string]any{"customer_ID": "C-1", "name": "A"}).Want(t, 201)
	e.Call(t, "POST", base+"/order", token, map[string]any{"order_ID": "O-1", "customer_ID": "C-1"}).Want(t, 201)
	e.Call(t, "POST", base+"/order", token, map[string]any{"order_ID": "O-2", "customer_ID": "C-1"}).Want(t, 201)

	// Logical: hidden from every read, and no longer a valid reference.
	e.Call(t, "DELETE", base+"/order/O-1", token, nil).Want(t, 204)
	e.Call(t, "GET", base+"/order/O-1", token, nil).Want(t, 404)
	if recs := decodeRecords(t, e.Call(t, "GET", base+"/order", token, nil).Want(t, 200)); len(recs) != 1 || recs[0]["order_ID"] != "O-2" {
		t.Fatalf("list after logical delete %v", recs)
	}
	if recs := deltaQuery(t, e, base, token, "order"); len(recs) != 1 {
		t.Fatalf("delta after logical delete %v", recs)
	}
	e.Call(t, "POST", base+"/shipment", token, map[string]any{"shipment_ID": "S-1", "order_ID": "O-1"}).Want(t, 400)
	e.Call(t, "DELETE", base+"/order/O-1", token, nil).Want(t, 404)

	// Physical: refused while referenced, then gone.
	r := e.Call(t, "DELETE", base+"/customer/C-1?deleteMode=Physical", token, nil).Want(t, 409)
	if r.Problem(t) != "RECORD_REFERENCED" {
		t.Fatalf("%s", r.Body)
	}
	e.Call(t, "DELETE", base+"/order/O-1?deleteMode=Physical", token, nil).Want(t, 404)
	e.Call(t, "PUT", base+"/order/O-2", token, map[string]any{"customer_ID": nil}).Want(t, 200)
	// O-1, logically deleted, still refers to C-1: a physical delete of C-1
	// would leave it dangling.
	e.Call(t, "DELETE", base+"/customer/C-1?deleteMode=Physical", token, nil).Want(t, 409)
	// Taking the code O-1 again makes a new record; dropping its customer frees C-1.
	e.Call(t, "POST", base+"/order", token, map[string]any{"order_ID": "O-1"}).Want(t, 201)
	e.Call(t, "DELETE", base+"/customer/C-1?deleteMode=Physical", token, nil).Want(t, 204)
	e.Call(t, "GET", base+"/customer/C-1", token, nil).Want(t, 404)
	e.Call(t, "DELETE", base+"/customer/C-1?deleteMode=Physical", token, nil).Want(t, 404)
	e.Call(t, "DELETE", base+"/order/O-2?deleteMode=Never", token, nil).Want(t, 400)
	e.Call(t, "DELETE", base+"/order/O-2?deleteMode=Physical", token, nil).Want(t, 204)
	if recs := decodeRecords(t, e.Call(t, "GET", base+"/order", token, nil).Want(t, 200)); len(recs) != 1 || recs[0]["order_ID"] != "O-1" || recs[0]["customer_ID"] != nil {
		t.Fatalf("orders at the end %v", recs)
	}
}

func TestDataOtherClientsProject404ViewerReadsOnly(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	base, admin := dataProject(t, e)
	projectID := strings.TrimPrefix(base, "/v1/data/")
	e.Call(t, "POST", base+"/customer", admin, map[string]any{"customer_ID": "C-1"}).Want(t, 201)
	_, globex := e.Token(t, "globex")
	for _, c := range []struct{ method, path string }{
		{"GET", "/entities"}, {"GET", "/entities/customer"}, {"GET", "/customer"}, {"GET", "/customer/C-1"},
		{"DELETE", "/customer/C-1"},
	} {
		if code := e.Call(t, c.method, base+c.path, globex, nil).Want(t, 404).Problem(t); code != "NOT_FOUND" {
			t.Errorf("%s %s: %s", c.method, c.path, code)
		}
	}
	e.Call(t, "POST", base+"/customer", globex, map[string]any{"customer_ID": "C-2"}).Want(t, 404)
	e.Call(t, "POST", base+"/customer/query", globex, map[string]any{}).Want(t, 404)
	e.Call(t, "POST", base+"/export", globex, map[string]any{"entityName": "customer", "srvExport": 1, "rows": []any{}}).Want(t, 404)

	viewerID, secret := e.Principal(t, "acme")
	e.Call(t, "PUT", "/v1/projects/"+projectID+"/members/"+viewerID, admin, map[string]string{"role": "viewer"}).Want(t, 200)
	viewer := e.TokenFor(t, viewerID, secret)
	e.Call(t, "GET", base+"/customer/C-1", viewer, nil).Want(t, 200)
	e.Call(t, "POST", base+"/customer", viewer, map[string]any{"customer_ID": "C-3"}).Want(t, 403)
	e.Call(t, "PUT", base+"/customer/C-1", viewer, map[string]any{"name": "x"}).Want(t, 403)
	e.Call(t, "GET", "/v1/data/"+strings.Repeat("p", 201)+"/entities", admin, nil).Want(t, 400)
	if recs := decodeRecords(t, e.Call(t, "GET", base+"/customer", admin, nil).Want(t, 200)); len(recs) != 1 {
		t.Fatalf("records %v", recs)
	}
}

func TestDataConcurrentUpdatesEachGetTheirOwnSrvDateUTC(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	base, token := dataProject(t, e)
	e.Call(t, "POST", base+"/order", token, map[string]any{"order_ID": "O-1"}).Want(t, 201)
	const writers = 8
	stamps := make([]string, writers)
	g := errgroup.Group{}
	for i := range writers {
		g.Go(func() error {
			r := e.Call(t, "PUT", base+"/order/O-1", token, map[string]any{"notes": fmt.Sprintf("writer %d", i)})
			if r.Status != 200 {
				return fmt.Errorf("writer %d: %d %s", i, r.Status, r.Body)
			}
			var rec dataRecord
			if err := json.Unmarshal(r.Body, &rec); err != nil {
				return err
			}
			stamps[i], _ = rec["srvDateUTC"].(string)
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, s := range stamps {
		if s == "" || seen[s] {
			t.Fatalf("srvDateUTC shared or missing: %v", stamps)
		}
		seen[s] = true
	}
	final := decodeRecordBody(t, e.Call(t, "GET", base+"/order/O-1", token, nil).Want(t, 200))
	latest := ""
	for _, s := range stamps {
		latest = max(latest, s)
	}
	if final["srvDateUTC"] != latest {
		t.Fatalf("final %v, latest stamp %s", final["srvDateUTC"], latest)
	}
}

func TestDataDeltaSyncLoopFollowsTracking(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	base, token := dataProject(t, e)
	const number = "1Z999AA10123456784"
	e.Call(t, "POST", base+"/order", token, map[string]any{"order_ID": "O-1", "orderNumber": "SO-1"}).Want(t, 201)
	e.Call(t, "POST", base+"/shipment", token, map[string]any{"shipment_ID": "S-1", "order_ID": "O-1", "trackingNumber": number, "carrier": "ups"}).Want(t, 201)
	// The shipment subscribed its number to the project, as a job ADD would.
	var numbers listOut[struct {
		TrackingNumber string    `json:"trackingNumber"`
		ExpiresAt      time.Time `json:"expiresAt"`
		JobID          *string   `json:"jobId"`
	}]
	e.Call(t, "GET", "/v1/projects/"+strings.TrimPrefix(base, "/v1/data/")+"/tracking-numbers", token, nil).Want(t, 200).JSON(t, &numbers)
	if len(numbers.Items) != 1 || numbers.Items[0].TrackingNumber != number || numbers.Items[0].JobID != nil ||
		numbers.Items[0].ExpiresAt.Sub(e.Clock()) < 39*24*time.Hour {
		t.Fatalf("project numbers %+v", numbers)
	}

	// The ERP reads what is new and validates it all.
	var rows []map[string]string
	for _, entity := range []string{"order", "shipment"} {
		recs := deltaQuery(t, e, base, token, entity)
		if len(recs) != 1 {
			t.Fatalf("%s delta %v", entity, recs)
		}
		rows = append(rows, map[string]string{"rowCode": recs[0][entity+"_ID"].(string), "srvDateUTC": recs[0]["srvDateUTC"].(string)})
	}
	var out exportOut
	e.Call(t, "POST", base+"/export", token, []map[string]any{
		{"entityName": "order", "srvExport": 1, "rows": rows[:1]},
		{"entityName": "shipment", "srvExport": 1, "rows": rows[1:]},
	}).Want(t, 200).JSON(t, &out)
	if len(out.Entities) != 2 || out.Entities[0].UpdatedRows != 1 || out.Entities[1].UpdatedRows != 1 {
		t.Fatalf("export %+v", out)
	}
	if recs := deltaQuery(t, e, base, token, "shipment"); len(recs) != 0 {
		t.Fatalf("exported shipment still in the delta: %v", recs)
	}
	stale := rows[1]["srvDateUTC"]

	// A tracking event moves the shipment: it is new again, with its status.
	inject(t, e, token, "carrier-feed", event(number, "delivered", "D", "Kraków", "2026-01-02T10:00:00.000+01:00"))
	recs := deltaQuery(t, e, base, token, "shipment")
	if len(recs) != 1 || recs[0]["status"] != "delivered" || recs[0]["statusDate"] != "2026-01-02T09:00:00" || recs[0]["srvExport"] != 0.0 {
		t.Fatalf("after the event: %v", recs)
	}
	fresh := recs[0]["srvDateUTC"].(string)
	if fresh <= stale {
		t.Fatalf("srvDateUTC %s did not move past %s", fresh, stale)
	}
	if recs := deltaQuery(t, e, base, token, "order"); len(recs) != 0 {
		t.Fatalf("the order did not change but is in the delta: %v", recs)
	}
	// The same event again changes nothing.
	inject(t, e, token, "carrier-feed-again", event(number, "delivered", "D", "Kraków", "2026-01-02T10:00:00.000+01:00"))
	if recs := deltaQuery(t, e, base, token, "shipment"); len(recs) != 1 || recs[0]["srvDateUTC"] != fresh {
		t.Fatalf("a repeated event moved the record: %v", recs)
	}

	// Validating with the stale stamp is a conflict and changes nothing.
	e.Call(t, "POST", base+"/export", token, map[string]any{"entityName": "shipment", "srvExport": 1,
		"rows": []map[string]string{{"rowCode": "S-1", "srvDateUTC": stale}, {"rowCode": "S-404", "srvDateUTC": stale}}}).Want(t, 200).JSON(t, &out)
	c := out.Entities[0].Conflicts
	if out.Entities[0].UpdatedRows != 0 || len(c) != 2 || c[0].Reason != "MODIFIED" || c[0].SrvDateUTC == nil || *c[0].SrvDateUTC != fresh ||
		c[1].Reason != "NOT_FOUND" || c[1].SrvDateUTC != nil {
		t.Fatalf("stale export %+v", out)
	}
	if recs := deltaQuery(t, e, base, token, "shipment"); len(recs) != 1 {
		t.Fatalf("a conflict exported the row: %v", recs)
	}
	// With the fresh one it is exported and no longer returned.
	e.Call(t, "POST", base+"/export", token, map[string]any{"entityName": "shipment", "srvExport": 1,
		"rows": []map[string]string{{"rowCode": "S-1", "srvDateUTC": fresh}}}).Want(t, 200).JSON(t, &out)
	if out.Entities[0].UpdatedRows != 1 || len(out.Entities[0].Conflicts) != 0 {
		t.Fatalf("fresh export %+v", out)
	}
	if recs := deltaQuery(t, e, base, token, "shipment"); len(recs) != 0 {
		t.Fatalf("exported shipment still in the delta: %v", recs)
	}
	got := decodeRecordBody(t, e.Call(t, "GET", base+"/shipment/S-1", token, nil).Want(t, 200))
	if got["srvExport"] != 1.0 || got["srvDateUTC"] != fresh || got["status"] != "delivered" {
		t.Fatalf("exported record %v", got)
	}
}

func TestDataDeltaPagesBySrvDateAndFollowsTheCurrentNumber(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	base, token := dataProject(t, e)
	const first, second = "1Z999AA10123456784", "612345678901234567890123"
	for _, code := range []string{"S-3", "S-1", "S-2"} {
		e.Advance(time.Millisecond)
		e.Call(t, "POST", base+"/shipment", token, map[string]any{"shipment_ID": code, "trackingNumber": first}).Want(t, 201)
	}
	page := func(cursor string) ([]dataRecord, string) {
		body := map[string]any{"filter": map[string]any{"field": "srvExport", "op": "eq", "value": 0}, "limit": 2}
		if cursor != "" {
			body["cursor"] = cursor
		}
		r := e.Call(t, "POST", base+"/shipment/query", token, body).Want(t, 200)
		return decodeRecords(t, r), r.Header.Get("Next-Cursor")
	}
	p1, next := page("")
	p2, last := page(next)
	if len(p1) != 2 || next == "" || len(p2) != 1 || last != "" ||
		p1[0]["shipment_ID"] != "S-3" || p1[1]["shipment_ID"] != "S-1" || p2[0]["shipment_ID"] != "S-2" {
		t.Fatalf("pages %v / %v (cursors %q, %q)", p1, p2, next, last)
	}

	// S-1 moves to another number: only that number's events reach it.
	e.Call(t, "PUT", base+"/shipment/S-1", token, map[string]any{"trackingNumber": second}).Want(t, 200)
	inject(t, e, token, "feed-1", event(first, "in_transit", "", nil, "2026-01-02T10:00:00.000Z"))
	inject(t, e, token, "feed-2", event(second, "delivered", "", nil, "2026-01-03T10:00:00.000Z"))
	for code, want := range map[string]string{"S-1": "delivered", "S-2": "in_transit", "S-3": "in_transit"} {
		if got := decodeRecordBody(t, e.Call(t, "GET", base+"/shipment/"+code, token, nil).Want(t, 200)); got["status"] != want {
			t.Errorf("%s status %v, want %s", code, got["status"], want)
		}
	}
	// An older event does not move a status back.
	inject(t, e, token, "feed-3", event(second, "dispatched", "", nil, "2026-01-01T10:00:00.000Z"))
	if got := decodeRecordBody(t, e.Call(t, "GET", base+"/shipment/S-1", token, nil).Want(t, 200)); got["status"] != "delivered" || got["statusDate"] != "2026-01-03T10:00:00" {
		t.Errorf("after an older event: %v", got)
	}
}

type exportOut struct {
	Entities []struct {
		EntityName  string `json:"entityName"`
		UpdatedRows int    `json:"updatedRows"`
		Conflicts   []struct {
			RowCode    string  `json:"rowCode"`
			Reason     string  `json:"reason"`
			SrvDateUTC *string `json:"srvDateUTC"`
		} `json:"conflicts"`
	} `json:"entities"`
}
