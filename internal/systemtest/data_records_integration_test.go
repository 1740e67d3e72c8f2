//go:build integration

package systemtest

// Emulator-only: records that follow a tracking number subscribe it on DynamoDB; memory's records store does not yet.

import (
	"strings"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/apitest"
)

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
