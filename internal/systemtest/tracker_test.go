package systemtest

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/apitest"
)

type trackerOut struct {
	Data struct {
		Search []map[string]any `json:"search"`
		Paging struct {
			Number, Size, TotalRequests int
		} `json:"paging"`
		Requests []struct {
			ID                   string  `json:"id"`
			FeedID               string  `json:"feedId"`
			BatchReference       *string `json:"batchReference"`
			ReceivedDate         time.Time
			RequestStatus        string
			MessageStatusSummary counts2 `json:"messageStatusSummary"`
			Payload              []struct {
				ID                string  `json:"id"`
				ExternalReference *string `json:"externalReference"`
				MessageStatus     string
				MessageType       string
				Errors            []struct{ ErrorMessage string }
			} `json:"payload"`
		} `json:"requests"`
	} `json:"data"`
	Error *struct {
		Code, Message string
		Field         *string
	} `json:"error"`
	Success bool `json:"success"`
}

type counts2 struct {
	Total, Queued, Processing, Cancelled, Failed, Invalid, Complete int
}

// trackerWorld is one client's history across a UTC day boundary, plus
// another client's request with the same batch reference.
type trackerWorld struct {
	e                  *apitest.Env
	acme, globex       string
	r1, r2, r3, r4, j1 string
}

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func newTrackerWorld(t *testing.T) *trackerWorld {
	e := apitest.Start(t)
	w := &trackerWorld{e: e}
	acmeID, acmeSecret := e.Principal(t, "acme")
	globexID, globexSecret := e.Principal(t, "globex")
	login := func(when string) {
		e.SetClock(at(when))
		w.acme, w.globex = e.TokenFor(t, acmeID, acmeSecret), e.TokenFor(t, globexID, globexSecret)
	}
	n := dhl(42)
	login("2026-01-10T23:30:00Z")
	w.r1 = inject(t, e, w.acme, "B-1",
		event(n, "picked_up", "", nil, "2026-01-10T20:00:00Z"),
		msg{MessageType: "TrackingEvent", ExternalReference: "ev-b", Payload: map[string]any{"trackingNumber": n, "status": "x", "datetime": "soon"}},
	).ID
	login("2026-01-11T00:30:00Z")
	w.r2 = inject(t, e, w.acme, "B-2",
		msg{MessageType: "Shipment", ExternalReference: "sh-a", Payload: map[string]any{"trackingNumber": n, "type": "parcel_express"}},
		msg{MessageType: "Teleport", ExternalReference: "tp-1", Payload: map[string]any{}},
	).ID
	login("2026-01-11T12:00:00Z")
	w.r3 = inject(t, e, w.acme, "B-3", event(n, "in_transit", "", nil, "2026-01-11T11:00:00Z")).ID
	w.r4 = inject(t, e, w.globex, "B-3", event(n, "delivered", "", nil, "2026-01-11T11:30:00Z")).ID
	login("2026-01-11T13:00:00Z")
	p := createProject(t, e, w.acme, "tracked")
	j := submit(t, e, w.acme, p.ProjectID, "ADD", []number{{TrackingNumber: dhl(1)}, {TrackingNumber: badDHL(1)}})
	await(t, e, w.acme, p.ProjectID, j.JobID, "COMPLETED")
	w.j1 = j.JobID
	login("2026-01-11T18:00:00Z")
	return w
}

func (w *trackerWorld) search(t *testing.T, token string, body any) trackerOut {
	t.Helper()
	var out trackerOut
	w.e.Call(t, "POST", "/v1/tracker", token, body).Want(t, 200).JSON(t, &out)
	if !out.Success || out.Error != nil {
		t.Fatalf("envelope %+v", out)
	}
	return out
}

func ids(out trackerOut) []string {
	var r []string
	for _, req := range out.Data.Requests {
		r = append(r, req.ID)
	}
	return r
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

func crit(pairs ...any) map[string]any {
	var search []map[string]any
	for i := 0; i < len(pairs); i += 2 {
		search = append(search, map[string]any{"by": pairs[i], "value": pairs[i+1]})
	}
	return map[string]any{"search": search}
}

func TestTrackerSearch(t *testing.T) {
	t.Parallel()
	w := newTrackerWorld(t)
	days := []string{"2026-01-10", "2026-01-11"}
	cases := []struct {
		name string
		body map[string]any
		want []string
		// messages names the external references each request shows.
		messages map[string][]string
	}{
		{"id", crit("id", w.r1), []string{w.r1}, map[string][]string{w.r1: {"ev-picked_up", "ev-b"}}},
		{"ids of two clients", crit("id", []string{w.r1, w.r4}), []string{w.r1}, nil},
		{"batch reference", crit("externalReference", "B-3"), []string{w.r3}, nil},
		{"message references ORed", crit("externalReference", []string{"ev-picked_up", "sh-a"}), []string{w.r1, w.r2},
			map[string][]string{w.r1: {"ev-picked_up"}, w.r2: {"sh-a"}}},
		{"status over two days", crit("messageStatus", "Invalid", "receivedDate", days), []string{w.r1, w.r2, w.j1},
			map[string][]string{w.r1: {"ev-b"}, w.r2: {"tp-1"}, w.j1: {badDHL(1)}}},
		{"statuses ORed", crit("messageStatus", []string{"Invalid", "Complete"}, "receivedDate", days), []string{w.r1, w.r2, w.r3, w.j1}, nil},
		{"type", crit("messageType", "Shipment", "receivedDate", days), []string{w.r2}, map[string][]string{w.r2: {"sh-a"}}},
		{"type and status", crit("messageType", []string{"TrackingEvent"}, "messageStatus", "Complete", "receivedDate", days), []string{w.r1, w.r3},
			map[string][]string{w.r1: {"ev-picked_up"}, w.r3: {"ev-in_transit"}}},
		{"job numbers as messages", crit("messageType", "TrackingNumber", "receivedDate", "2026-01-11"), []string{w.j1}, map[string][]string{w.j1: {dhl(1), badDHL(1)}}},
		{"one UTC day", crit("receivedDate", "2026-01-11"), []string{w.r2, w.r3, w.j1}, nil},
		{"one day in +01:00", crit("receivedDate", "2026-01-11T09:00:00+01:00"), []string{w.r1, w.r2, w.r3, w.j1}, nil},
		{"inclusive instants", crit("recievedDate", []string{"2026-01-10T23:30:00Z", "2026-01-11T00:30:00Z"}), []string{w.r1, w.r2}, nil},
		{"range in -05:00", crit("receivedDate", []string{"2026-01-10T19:00:00-05:00", "2026-01-10T19:30:00-05:00"}), []string{w.r2}, nil},
		{"default today", map[string]any{}, []string{w.r2, w.r3, w.j1}, nil},
		{"nothing that day", crit("receivedDate", "2026-01-12"), nil, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := w.search(t, w.acme, c.body)
			if !sameSet(ids(out), c.want) {
				t.Fatalf("found %v, want %v", ids(out), c.want)
			}
			for _, req := range out.Data.Requests {
				if req.FeedID != "acme" {
					t.Fatalf("feedId %q", req.FeedID)
				}
				want, ok := c.messages[req.ID]
				if !ok {
					continue
				}
				var got []string
				for _, m := range req.Payload {
					got = append(got, *m.ExternalReference)
				}
				if !sameSet(got, want) {
					t.Errorf("%s shows %v, want %v", req.ID, got, want)
				}
			}
		})
	}

	// Globex sees its own request, never acme's.
	if got := ids(w.search(t, w.globex, crit("externalReference", "B-3"))); !sameSet(got, []string{w.r4}) {
		t.Fatalf("globex found %v", got)
	}
	if got := ids(w.search(t, w.globex, crit("id", []string{w.r1, w.r2, w.j1}))); len(got) != 0 {
		t.Fatalf("globex reached acme's requests %v", got)
	}

	// Summaries agree with the job API and with the messages.
	out := w.search(t, w.acme, crit("id", []string{w.j1, w.r1}))
	for _, req := range out.Data.Requests {
		switch req.ID {
		case w.j1:
			if req.MessageStatusSummary != (counts2{Total: 2, Complete: 1, Invalid: 1}) || req.RequestStatus != "Complete" {
				t.Errorf("job as request: %+v %s", req.MessageStatusSummary, req.RequestStatus)
			}
		case w.r1:
			if req.MessageStatusSummary != (counts2{Total: 2, Complete: 1, Invalid: 1}) || *req.BatchReference != "B-1" {
				t.Errorf("r1: %+v", req)
			}
			for _, m := range req.Payload {
				if m.MessageStatus == "Invalid" && (len(m.Errors) == 0 || !strings.Contains(m.Errors[0].ErrorMessage, "datetime")) {
					t.Errorf("invalid message without its error: %+v", m)
				}
			}
		}
	}
}

func TestTrackerPagingAndSorts(t *testing.T) {
	t.Parallel()
	w := newTrackerWorld(t)
	all := []string{w.r1, w.r2, w.r3, w.j1} // in received order
	days := []string{"2026-01-10", "2026-01-11"}
	var seen []string
	for page := 1; page <= 3; page++ {
		body := crit("receivedDate", days)
		body["paging"] = map[string]any{"number": page, "size": "2"}
		out := w.search(t, w.acme, body)
		if out.Data.Paging.TotalRequests != 4 || out.Data.Paging.Size != 2 {
			t.Fatalf("paging %+v", out.Data.Paging)
		}
		seen = append(seen, ids(out)...)
	}
	if want := []string{w.j1, w.r3, w.r2, w.r1}; !slices.Equal(seen, want) {
		t.Fatalf("pages gave %v, want %v (newest first, each once)", seen, want)
	}
	order := func(by, dir string) []string {
		body := crit("receivedDate", days)
		body["sorts"] = []map[string]any{{"by": by, "order": dir}}
		return ids(w.search(t, w.acme, body))
	}
	if got := order("receivedDate", "asc"); !slices.Equal(got, all) {
		t.Errorf("receivedDate asc %v", got)
	}
	if got := order("processedDate", "ASC"); !slices.Equal(got, all) {
		t.Errorf("processedDate asc %v", got)
	}
	if got := order("processedDate", "desc"); !slices.Equal(got, []string{w.j1, w.r3, w.r2, w.r1}) {
		t.Errorf("processedDate desc %v", got)
	}
	// Batch references: B-1 < B-2 < B-3 < (the job's, none: "" sorts first).
	if got := order("batchReference", "asc"); !slices.Equal(got, []string{w.j1, w.r1, w.r2, w.r3}) {
		t.Errorf("batchReference asc %v", got)
	}
	if got := order("batchReference", "desc"); !slices.Equal(got, []string{w.r3, w.r2, w.r1, w.j1}) {
		t.Errorf("batchReference desc %v", got)
	}
}

func TestTrackerSeedExamplesAndBadInput(t *testing.T) {
	t.Parallel()
	w := newTrackerWorld(t)
	seed1 := `{"search": [{"by": "id", "value": ["78452e72-0fcb-4455-afc3-68fadb22646f"]}],
	  "paging": {"number": "1", "size": "10"},
	  "sorts": [{"by": "receivedDate", "order": "78452e72-0fcb-4455-afc3-68fadb22646f"}]}`
	seed2 := `{
  "search": [
    {"by": "messageType", "value": [ "Estimate" ]},
    {"by": "messageStatus", "value": ["Failed", "Complete"]},
    {"by": "recievedDate", "value": ["2018-10-01T00:00:00+00:00", "2018-10-02T00:00:00+00:00"]},
    ]
}`
	cases := []struct {
		name, body, field string
	}{
		{"seed example 1: an id as order", seed1, "sorts[0].order"},
		{"seed example 2: trailing comma", seed2, "(body)"},
		{"unknown by", `{"search": [{"by": "colour", "value": "red"}]}`, "search[0].by"},
		{"bad date", `{"search": [{"by": "receivedDate", "value": "yesterday"}]}`, "search[0].value"},
		{"from after to", `{"search": [{"by": "receivedDate", "value": ["2026-01-12", "2026-01-11"]}]}`, "search[0].value"},
		{"three dates", `{"search": [{"by": "receivedDate", "value": ["2026-01-10", "2026-01-11", "2026-01-12"]}]}`, "search[0].value"},
		{"bad status", `{"search": [{"by": "messageStatus", "value": "Lost"}]}`, "search[0].value"},
		{"value a number", `{"search": [{"by": "id", "value": 7}]}`, "search[0].value"},
		{"page 0", `{"paging": {"number": 0, "size": 10}}`, "paging.number"},
		{"page -1", `{"paging": {"number": "-1", "size": 10}}`, "paging.number"},
		{"size over the cap", `{"paging": {"number": 1, "size": 101}}`, "paging.size"},
		{"size a word", `{"paging": {"number": 1, "size": "ten"}}`, "paging.size"},
		{"unknown sort", `{"sorts": [{"by": "colour", "order": "asc"}]}`, "sorts[0].by"},
		{"criterion twice", `{"search": [{"by": "id", "value": "a"}, {"by": "id", "value": "b"}]}`, "search[1].by"},
		{"unknown field", `{"filter": []}`, "filter"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var out trackerOut
			w.e.Call(t, "POST", "/v1/tracker", w.acme, c.body).Want(t, 400).JSON(t, &out)
			if out.Success || out.Error == nil || out.Error.Field == nil || *out.Error.Field != c.field || out.Error.Message == "" {
				t.Fatalf("envelope %+v", out.Error)
			}
		})
	}
	// Seed example 2, mended, is a valid search with no Estimate messages.
	mended := strings.Replace(seed2, "]},\n    ]", "]}\n    ]", 1)
	out := w.search(t, w.acme, mended)
	if len(out.Data.Requests) != 0 || len(out.Data.Search) != 3 || out.Data.Search[2]["by"] != "recievedDate" {
		t.Fatalf("seed example 2: %+v", out.Data)
	}
	w.e.Call(t, "POST", "/v1/tracker", "", "{}").Want(t, 401)
}
