package webhook

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/input"
)

func TestPublicRefusesPrivateLoopbackLinkLocalAndMetadata(t *testing.T) {
	for _, s := range []string{
		"127.0.0.1", "10.0.0.1", "172.16.5.4", "192.168.1.1", "169.254.169.254", "100.64.1.1", "0.0.0.0",
		"::1", "fd00:ec2::254", "fe80::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "224.0.0.1", "198.18.0.1",
	} {
		if Public(netip.MustParseAddr(s)) {
			t.Errorf("%s counted public", s)
		}
	}
	for _, s := range []string{"93.184.216.34", "8.8.8.8", "2606:4700:4700::1111"} {
		if !Public(netip.MustParseAddr(s)) {
			t.Errorf("%s counted not public", s)
		}
	}
}

func TestCheckURLAllowsOnlyHTTPSOrTheLocalReceiver(t *testing.T) {
	ctx := context.Background()
	prod, dev := Targets{}, Targets{AllowLoopback: true}
	for _, u := range []string{"https://93.184.216.34/hook", "https://[2606:4700:4700::1111]:8443/x"} {
		if err := prod.Check(ctx, u); err != nil {
			t.Errorf("%s refused: %v", u, err)
		}
	}
	for _, u := range []string{
		"", "http://93.184.216.34/hook", "https://10.0.0.1/", "https://[::1]/", "http://127.0.0.1:8080/",
		"https://user:pw@93.184.216.34/", "ftp://93.184.216.34/", "/relative", "https://93.184.216.34/#frag",
		"https://" + strings.Repeat("a", MaxURLBytes) + ".com/",
	} {
		var invalid *input.Error
		if err := prod.Check(ctx, u); !errors.As(err, &invalid) {
			t.Errorf("%q accepted in production (%v)", u, err)
		}
	}
	if err := dev.Check(ctx, "http://127.0.0.1:8080/hook"); err != nil {
		t.Errorf("dev refused the local receiver: %v", err)
	}
	for _, u := range []string{"http://127.0.0.1/hook", "http://127.0.0.2:8080/", "http://localhost:8080/", "http://10.0.0.1:80/"} {
		if err := dev.Check(ctx, u); err == nil {
			t.Errorf("dev accepted %q", u)
		}
	}
}

// The sender checks the address it actually connects to, after DNS: a
// host name that resolves to loopback (as a rebinding attacker's would) is
// refused at connection time, not only at registration.
func TestClientRefusesBlockedAddressesWhenDialling(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	port := srv.URL[strings.LastIndex(srv.URL, ":"):]
	for _, u := range []string{srv.URL, "http://localhost" + port} {
		resp, err := Targets{}.Client().Get(u)
		if err == nil {
			resp.Body.Close()
			t.Fatalf("%s reached in production", u)
		}
		if !errors.Is(err, errBlockedAddress) {
			t.Errorf("%s: %v, want the blocked-address error", u, err)
		}
	}
	resp, err := Targets{AllowLoopback: true}.Client().Get(srv.URL)
	if err != nil {
		t.Fatalf("dev client: %v", err)
	}
	resp.Body.Close()
}

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
