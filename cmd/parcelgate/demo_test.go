package main

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/parcelgate/parcelgate/internal/carrier"
	"github.com/parcelgate/parcelgate/internal/message"
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
			data, err := json.Marshal(m)
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

		// Put back in time order, the events are a prefix of the flow.
		slices.SortFunc(all, func(a, b wantEvent) int {
			return parseDatetime(t, "", a.Datetime).Compare(parseDatetime(t, "", b.Datetime))
		})
		var statuses []string
		for _, ev := range all {
			statuses = append(statuses, ev.Status)
		}
		if len(statuses) == 0 || !slices.Equal(statuses, flow[:len(statuses)]) {
			t.Errorf("%s (%s): statuses %v are not a prefix of its flow %v", p.Number, p.Type, statuses, flow)
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
}
