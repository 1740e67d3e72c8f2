package systemtest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"

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

func TestDataRetrieval2500RecordsInPagesOf1000(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	base, token := dataProject(t, e)
	projectID := strings.TrimPrefix(base, "/v1/data/")
	confreport, _ := data.DefaultCatalog.Entity("confreport")
	g, ctx := errgroup.WithContext(context.Background())
	g.SetLimit(8)
	for i := range 2500 {
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
		if len(recs) != 1000 || pages > 3 {
			t.Fatalf("page %d: %d records and a cursor", pages, len(recs))
		}
	}
	if len(seen) != 2500 || pages != 3 {
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
