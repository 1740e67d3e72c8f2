package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/parcelgate/parcelgate/internal/carrier"
	"github.com/parcelgate/parcelgate/internal/message"
	"github.com/parcelgate/parcelgate/internal/tag"
	"github.com/parcelgate/parcelgate/internal/tracking"
)

var demoNow = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

// The payload shapes of internal/message/validate.go, decoded as strictly.
type (
	wantShipment struct {
		TrackingNumber   string         `json:"trackingNumber"`
		Type             string         `json:"type"`
		Service          string         `json:"service"`
		CustomAttributes map[string]any `json:"customAttributes"`
		CreatedAt        string         `json:"createdAt"`
		ExpectedFlow     []string       `json:"expectedFlow"`
	}
	wantEvent struct {
		TrackingNumber string  `json:"trackingNumber"`
		Status         string  `json:"status"`
		OriginStatus   *string `json:"originStatus"`
		Agency         *string `json:"agency"`
		Datetime       string  `json:"datetime"`
	}
	wantServiceChange struct {
		TrackingNumber string `json:"trackingNumber"`
		Service        string `json:"service"`
		Datetime       string `json:"datetime"`
	}
	wantMessage struct {
		MessageType       string          `json:"messageType"`
		ExternalReference string          `json:"externalReference"`
		Payload           json.RawMessage `json:"payload"`
	}
)

func decodeStrictly(t *testing.T, data []byte, v any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s: %v", data, err)
	}
}

func parseDatetime(t *testing.T, field, s string) time.Time {
	t.Helper()
	at, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatalf("%s %q: %v", field, s, err)
	}
	return at
}

func checkText(t *testing.T, field, v string, max int) {
	t.Helper()
	if strings.TrimSpace(v) == "" || utf8.RuneCountInString(v) > max {
		t.Errorf("%s %q: want 1 to %d characters", field, v, max)
	}
}

// checkNoSecrets fails on any key naming recipient data, except the
// pickup point's public address.
func checkNoSecrets(t *testing.T, path string, v any) {
	t.Helper()
	switch v := v.(type) {
	case map[string]any:
		for k, val := range v {
			p := path + "." + k
			lower := strings.ToLower(k)
			for _, bad := range []string{"recipient", "signature", "address"} {
				if strings.Contains(lower, bad) && !strings.HasPrefix(p, ".customAttributes.target_machine_detail.") {
					t.Errorf("payload field %s", p)
				}
			}
			checkNoSecrets(t, p, val)
		}
	case []any:
		for _, val := range v {
			checkNoSecrets(t, path+"[]", val)
		}
	}
}

func TestDemoMessagesAreValid(t *testing.T) {
	parcels := generateDemo(42, 3000, demoNow)
	if len(parcels) != 3000 {
		t.Fatalf("%d parcels", len(parcels))
	}
	numbers := map[string]bool{}
	perCarrier := map[carrier.Carrier]int{}
	types := map[string]int{}
	quirks := map[string]int{}
	offsets := map[string]bool{}
	changes, agencies := 0, 0
	for _, p := range parcels {
		if c, ok := carrier.Detect(p.Number); !ok || c != p.Carrier {
			t.Fatalf("%s: detected as %q, generated as %q", p.Number, c, p.Carrier)
		}
		if numbers[p.Number] {
			t.Fatalf("%s generated twice", p.Number)
		}
		numbers[p.Number] = true
		perCarrier[p.Carrier]++
		types[p.Type]++
		flow, ok := tracking.Flow(p.Type)
		if !ok {
			t.Fatalf("%s: unknown type %q", p.Number, p.Type)
		}

		var created time.Time
		var inOrder, all []wantEvent // unquirked events as sent; events without duplicates
		var last time.Time
		seen := map[string]bool{}
		for i, m := range p.Messages {
			data, err := json.Marshal(m.wire())
			if err != nil {
				t.Fatal(err)
			}
			var msg wantMessage
			decodeStrictly(t, data, &msg)
			if len(msg.ExternalReference) > 128 || len(msg.Payload) > message.MaxPayloadBytes {
				t.Errorf("%s: message too large: %s", p.Number, data)
			}
			var payload map[string]any
			if err := json.Unmarshal(msg.Payload, &payload); err != nil {
				t.Fatal(err)
			}
			checkNoSecrets(t, "", payload)
			if payload["trackingNumber"] != p.Number {
				t.Errorf("%s: message of %v", p.Number, payload["trackingNumber"])
			}
			switch msg.MessageType {
			case message.TypeShipment:
				if i != 0 {
					t.Errorf("%s: shipment is message %d", p.Number, i)
				}
				var sh wantShipment
				decodeStrictly(t, msg.Payload, &sh)
				if sh.Type != p.Type || !tracking.KnownType(sh.Type) {
					t.Errorf("%s: type %q", p.Number, sh.Type)
				}
				checkText(t, "service", sh.Service, 64)
				created = parseDatetime(t, "createdAt", sh.CreatedAt)
				// The server strips recipient details; there must be none.
				if stripped := tracking.StripSecure(sh.CustomAttributes); !reflect.DeepEqual(stripped, sh.CustomAttributes) {
					t.Errorf("%s: the server would strip some of %v", p.Number, sh.CustomAttributes)
				}
				if strings.HasPrefix(p.Type, "inpost_locker") {
					if _, ok := sh.CustomAttributes["target_machine_detail"].(map[string]any)["address"]; !ok {
						t.Errorf("%s: locker parcel without its point's address: %v", p.Number, sh.CustomAttributes)
					}
				}
			case message.TypeServiceChange:
				var sc wantServiceChange
				decodeStrictly(t, msg.Payload, &sc)
				checkText(t, "service", sc.Service, 64)
				if sc.Service != p.Service || !p.Changed {
					t.Errorf("%s: service change to %q, want %q", p.Number, sc.Service, p.Service)
				}
				parseDatetime(t, "datetime", sc.Datetime)
				changes++
			case message.TypeTrackingEvent:
				var ev wantEvent
				decodeStrictly(t, msg.Payload, &ev)
				checkText(t, "status", ev.Status, 64)
				if ev.OriginStatus != nil {
					checkText(t, "originStatus", *ev.OriginStatus, 64)
				}
				if ev.Agency != nil {
					checkText(t, "agency", *ev.Agency, 128)
					agencies++
				}
				at := parseDatetime(t, "datetime", ev.Datetime)
				if strings.HasSuffix(ev.Datetime, "Z") {
					offsets["Z"] = true
				} else {
					offsets[ev.Datetime[len(ev.Datetime)-6:]] = true
				}
				if at.Before(created) || at.After(demoNow) {
					t.Errorf("%s: event at %s, created %s", p.Number, ev.Datetime, created)
				}
				quirks[m.quirk]++
				switch m.quirk {
				case "":
					if !at.After(last) {
						t.Errorf("%s: event %s at %s is not after %s", p.Number, ev.Status, ev.Datetime, last)
					}
					last = at
					inOrder = append(inOrder, ev)
				case "duplicate":
					if !seen[string(msg.Payload)] {
						t.Errorf("%s: duplicate of nothing sent before: %s", p.Number, msg.Payload)
					}
					continue
				}
				seen[string(msg.Payload)] = true
				all = append(all, ev)
			default:
				t.Fatalf("%s: message type %q", p.Number, msg.MessageType)
			}
		}

		// Put back in time order, the events are a prefix of the flow;
		// with trouble or an odd scan, its statuses in the flow's order
		// (out for delivery again after a failed attempt) and others.
		slices.SortFunc(all, func(a, b wantEvent) int {
			return parseDatetime(t, "", a.Datetime).Compare(parseDatetime(t, "", b.Datetime))
		})
		var statuses []string
		odd := false
		for _, ev := range all {
			statuses = append(statuses, ev.Status)
			odd = odd || ev.Status == demoOddScans[p.Carrier][1]
		}
		if p.Trouble == "" && !odd {
			if len(statuses) == 0 || !slices.Equal(statuses, flow[:len(statuses)]) {
				t.Errorf("%s (%s): statuses %v are not a prefix of its flow %v", p.Number, p.Type, statuses, flow)
			}
		} else {
			at := -1
			for _, s := range statuses {
				switch i := slices.Index(flow, s); {
				case i < 0:
				case i < at || at < 0 && i != 0:
					t.Errorf("%s (%s): statuses %v do not follow its flow %v", p.Number, p.Type, statuses, flow)
				default:
					at = i
				}
			}
		}
		if p.Status != statuses[len(statuses)-1] || p.Events != len(all) || len(inOrder) < len(all)-1 {
			t.Errorf("%s: status %q after %d events; want %q after %d", p.Number, p.Status, p.Events, statuses[len(statuses)-1], len(all))
		}
	}

	for _, c := range []carrier.Carrier{carrier.InPost, carrier.DHLExpress, carrier.FedEx, carrier.UPS} {
		if perCarrier[c] < 300 {
			t.Errorf("%d %s parcels of 3000", perCarrier[c], c)
		}
	}
	// The carriers of the registry's own formats: S10 (royal_mail,
	// canada_post), DPD's MOD 37,36, Canada Post's 16 digits. Each
	// parcel's number was detected as its carrier above.
	for _, c := range []carrier.Carrier{"royal_mail", "dpd", "canada_post"} {
		if perCarrier[c] < 100 {
			t.Errorf("%d %s parcels of 3000", perCarrier[c], c)
		}
	}
	for _, typ := range []string{"inpost_locker_standard", "inpost_courier_standard", "parcel_express", "parcel_ground", "parcel_international"} {
		if types[typ] == 0 {
			t.Errorf("no %s parcel", typ)
		}
	}
	for _, off := range []string{"+01:00", "Z", "-05:00"} {
		if !offsets[off] {
			t.Errorf("no datetime ending %s in %v", off, offsets)
		}
	}
	if quirks["late"] < 10 || quirks["duplicate"] < 10 || changes < 10 || agencies == 0 {
		t.Errorf("quirks %v, %d service changes, %d agencies: want a few of each", quirks, changes, agencies)
	}
}

// timeline is a parcel's events as the server keeps them: without
// duplicates, in time order.
func timeline(t *testing.T, p demoParcel) []wantEvent {
	t.Helper()
	var out []wantEvent
	for _, m := range p.Messages {
		if m.MessageType != message.TypeTrackingEvent || m.quirk == "duplicate" {
			continue
		}
		data, err := json.Marshal(m.Payload)
		if err != nil {
			t.Fatal(err)
		}
		var ev wantEvent
		decodeStrictly(t, data, &ev)
		out = append(out, ev)
	}
	slices.SortFunc(out, func(a, b wantEvent) int {
		return parseDatetime(t, "", a.Datetime).Compare(parseDatetime(t, "", b.Datetime))
	})
	return out
}

// TestDemoTagsAndTrouble: every event maps to a tag by the tables but the
// odd scans, which are rare; each kind of trouble occurs, about as often
// as real parcels have it; and some parcels end in trouble, so the lists
// by tag show something.
func TestDemoTagsAndTrouble(t *testing.T) {
	const n = 3000
	parcels := generateDemo(42, n, demoNow)
	// What each kind of trouble shows as: the subtags only it gives.
	shows := map[string]func(tag.Subtag) bool{
		troubleAttempt: func(s tag.Subtag) bool { return s.Tag() == tag.AttemptFail },
		troubleCustoms: func(s tag.Subtag) bool { return s == "Exception_Customs" },
		troubleReturn:  func(s tag.Subtag) bool { return s == "Exception_Returning" },
		troubleExpired: func(s tag.Subtag) bool { return s == "Exception_Unclaimed" },
	}
	seen := map[string]int{} // parcels per kind of trouble shown
	ending := map[tag.Tag]int{}
	unmapped := map[string]int{}
	international := 0
	for _, p := range parcels {
		if p.Type == "parcel_international" {
			international++
		}
		moving := false
		var last tag.Status
		shown := map[string]bool{}
		for _, ev := range timeline(t, p) {
			st, mapped := tag.Classify(string(p.Carrier), ev.Status, deref(ev.OriginStatus), moving)
			moving = moving || st.Tag.Moving()
			last = st
			if !mapped {
				if ev.Status != demoOddScans[p.Carrier][1] {
					t.Errorf("%s (%s): status %q (origin %q) is mapped by no table", p.Number, p.Carrier, ev.Status, deref(ev.OriginStatus))
				}
				if st.Subtag != "InTransit_Unknown" {
					t.Errorf("%s: odd scan %q is %s, want InTransit_Unknown (after the parcel moved)", p.Number, ev.Status, st.Subtag)
				}
				unmapped[ev.Status]++
			}
			for kind, is := range shows {
				if is(st.Subtag) {
					shown[kind] = true
					// Returning parcels also failed attempts before.
					if p.Trouble != kind && !(kind == troubleAttempt && p.Trouble == troubleReturn) &&
						!(kind == troubleReturn && p.Trouble == troubleExpired) {
						t.Errorf("%s: %s (%s) in a parcel of trouble %q", p.Number, ev.Status, st.Subtag, p.Trouble)
					}
				}
			}
		}
		if last.Subtag != p.Subtag {
			t.Errorf("%s: ends %s, generated as ending %s", p.Number, last.Subtag, p.Subtag)
		}
		for kind := range shown {
			seen[kind]++
		}
		ending[p.Subtag.Tag()]++
	}
	percent := func(k, of int) float64 { return 100 * float64(k) / float64(of) }
	for _, c := range []struct {
		kind   string
		of     int
		lo, hi float64 // percent
	}{
		{troubleAttempt, n, 6, 8},
		{troubleCustoms, international, 2, 4.5},
		{troubleReturn, n, 1.2, 3},
		{troubleExpired, n, 0.2, 1.5},
	} {
		if got := percent(seen[c.kind], c.of); got < c.lo || got > c.hi {
			t.Errorf("trouble %s shown by %d parcels of %d (%.1f%%), want %.1f%% to %.1f%%", c.kind, seen[c.kind], c.of, got, c.lo, c.hi)
		}
	}
	if ending[tag.Exception] < 20 || ending[tag.AttemptFail] < 10 {
		t.Errorf("parcels by final tag %v: want a few in Exception and in AttemptFail", ending)
	}
	total := 0
	for _, k := range unmapped {
		total += k
	}
	if len(unmapped) != len(demoOddScans) || percent(total, n) > 2 {
		t.Errorf("unmapped statuses %v: want each odd scan a little (at most 2%% of parcels)", unmapped)
	}
}

func TestDemoIsDeterministic(t *testing.T) {
	encode := func(seed uint64) string {
		data, err := json.Marshal(generateDemo(seed, 200, demoNow))
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}
	first, again := encode(7), encode(7)
	if first != again {
		t.Error("seed 7 generated different parcels twice")
	}
	if first == encode(8) {
		t.Error("seeds 7 and 8 generated the same parcels")
	}
}

func TestDemoBatches(t *testing.T) {
	parcels := generateDemo(1, 3000, demoNow)
	batches := demoBatches(parcels, message.MaxMessages)
	next := 0
	for i, b := range batches {
		if len(b.Messages) == 0 || len(b.Messages) > message.MaxMessages {
			t.Fatalf("batch %d has %d messages", i, len(b.Messages))
		}
		// Whole parcels, in order.
		rest := b.Messages
		for range b.Parcels {
			p := parcels[next]
			if !reflect.DeepEqual(rest[:len(p.Messages)], p.Messages) {
				t.Fatalf("batch %d does not hold parcel %d whole", i, next)
			}
			rest = rest[len(p.Messages):]
			next++
		}
		if len(rest) != 0 || b.Last.Number != parcels[next-1].Number {
			t.Fatalf("batch %d: %d messages left over, last %s", i, len(rest), b.Last.Number)
		}
		if i < len(batches)-1 && len(b.Messages) < message.MaxMessages-30 {
			t.Errorf("batch %d has only %d messages", i, len(b.Messages))
		}
	}
	if next != len(parcels) {
		t.Errorf("%d of %d parcels in batches", next, len(parcels))
	}
}

func TestDemoExamples(t *testing.T) {
	shown, changed := demoExamples(generateDemo(3, 500, demoNow))
	if len(shown) != 3 || changed == nil || !changed.Changed {
		t.Fatalf("%d examples, changed %v", len(shown), changed)
	}
	carriers := map[carrier.Carrier]bool{}
	for _, p := range shown {
		carriers[p.Carrier] = true
	}
	if len(carriers) != 3 {
		t.Errorf("examples of %v, want three carriers", carriers)
	}
	if p := demoInTrouble(generateDemo(3, 500, demoNow)); p == nil || !p.Subtag.Tag().Attention() {
		t.Errorf("parcel in trouble: %+v", p)
	}
}

func TestDemoWithoutAnAPISaysHowToStartOne(t *testing.T) {
	err := runDemo(context.Background(), http.DefaultClient, []string{"--url", "http://127.0.0.1:1", "--parcels", "1", "--client-id", "x", "--client-secret", "y"})
	if err == nil || !strings.HasPrefix(err.Error(), "no parcelgate API at http://127.0.0.1:1 (start one with make run): cannot reach 127.0.0.1:1") {
		t.Fatalf("%v", err)
	}
}
