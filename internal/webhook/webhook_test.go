package webhook

import (
	"strings"
	"testing"
	"time"
)

func TestEventIDRoundTripsAndRejectsForgeries(t *testing.T) {
	at := time.Date(2026, 3, 1, 8, 0, 0, 123456789, time.UTC)
	for _, r := range []Ref{
		{Type: TrackingUpdated, Subject: "3000009014", At: at, Sequence: 7},
		{Type: JobCompleted, Subject: "01a2-b3|x", At: at},
	} {
		got, err := ParseEventID(r.ID())
		if err != nil || got != r {
			t.Errorf("%+v → %s → %+v, %v", r, r.ID(), got, err)
		}
	}
	for _, id := range []string{"", "evt_", "evt_!!", "wh_abc", "evt_" + strings.Repeat("A", 300), "evt_eHwxfDJ8Mw"} {
		if _, err := ParseEventID(id); err == nil {
			t.Errorf("%q accepted", id)
		}
	}
}

func TestRetryWaitsBeyondFifteenMinutesCarryNotBefore(t *testing.T) {
	now := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	task := Task{Kind: KindDelivery, ProjectID: "p", WebhookID: "w", EventID: "e", Attempt: 1}
	var waits []time.Duration
	for {
		next, delay, ok := retryOf(task, DefaultSchedule, now)
		if !ok {
			break
		}
		if next.Attempt != task.Attempt+1 || delay > 15*time.Minute {
			t.Fatalf("retry %+v after %s", next, delay)
		}
		want := DefaultSchedule[task.Attempt-1]
		if want > 15*time.Minute {
			if !next.NotBefore.Equal(now.Add(want)) {
				t.Errorf("attempt %d: notBefore %s, want %s", next.Attempt, next.NotBefore, now.Add(want))
			}
		} else if !next.NotBefore.IsZero() || delay != want {
			t.Errorf("attempt %d: delay %s notBefore %s", next.Attempt, delay, next.NotBefore)
		}
		waits = append(waits, want)
		task = next
	}
	if len(waits) != 7 || task.Attempt != 8 {
		t.Errorf("%d retries, last attempt %d; want 7 retries, 8 attempts", len(waits), task.Attempt)
	}
}

func TestParseSchedule(t *testing.T) {
	got, err := ParseSchedule("1s, 2s,4s")
	if err != nil || len(got) != 3 || got[2] != 4*time.Second {
		t.Fatalf("%v %v", got, err)
	}
	for _, s := range []string{"", "1s,,2s", "-1s", "soon"} {
		if _, err := ParseSchedule(s); err == nil {
			t.Errorf("%q accepted", s)
		}
	}
}

func TestEventIDsRoundTripForEveryType(t *testing.T) {
	at := time.Date(2026, 3, 1, 8, 0, 0, 123, time.UTC)
	for _, ref := range []Ref{
		{Type: TrackingUpdated, Subject: "3000009106", At: at, Sequence: 4},
		{Type: JobCompleted, Subject: "01a2330a-job", At: at},
		{Type: TrackingNumberExpiring, Subject: "3000009106", At: at},
		{Type: WebhookDisabled, Subject: "wh_1", At: at},
	} {
		got, err := ParseEventID(ref.ID())
		if err != nil || got.Type != ref.Type || got.Subject != ref.Subject || !got.At.Equal(ref.At) || got.Sequence != ref.Sequence {
			t.Errorf("%+v came back as %+v (%v)", ref, got, err)
		}
	}
}

func TestExpiringEventFollowsProjectNumberAndExpiryOnly(t *testing.T) {
	a := Expiring{ProjectID: "p1", TrackingNumber: "3000009106", Carrier: "dhl", ExpiresAt: time.Date(2026, 4, 10, 8, 0, 0, 0, time.UTC)}
	ev, ref := ExpiringEvent(a)
	again, _ := ExpiringEvent(a)
	if ev.ID != again.ID || string(ev.Data) != string(again.Data) {
		t.Fatalf("the same association gave %s and %s", ev.ID, again.ID)
	}
	if !ev.CreatedAt.Equal(a.ExpiresAt.Add(-ExpiringNotice)) || ref.Subject != a.TrackingNumber {
		t.Errorf("event %+v ref %+v", ev, ref)
	}
	renewed := a
	renewed.ExpiresAt = a.ExpiresAt.Add(40 * 24 * time.Hour)
	if next, _ := ExpiringEvent(renewed); next.ID == ev.ID {
		t.Error("a renewed association's event has the old id")
	}
	other := a
	other.ProjectID = "p2"
	if o, _ := ExpiringEvent(other); o.ID == ev.ID && string(o.Data) == string(ev.Data) {
		t.Error("two projects' events are one")
	}
	if !strings.Contains(string(ev.Data), `"expiresAt":"2026-04-10T08:00:00Z"`) {
		t.Errorf("data %s", ev.Data)
	}
}
