package scalesim

import (
	"strings"
	"testing"
)

// TestWebhookCredentialAndTrackerKeysHoldAt100k: an endpoint's delivery
// attempts (64 shards), a credential (read once per API process and
// auth.RevocationBound) and a client's tracker partition (a message
// request's marker written once) stay under 80 % of a partition's limits
// at 100,000 events/s, and the sender's reads of the busiest endpoint
// (once per sender process and webhook.EndpointsFor) take under a tenth
// of its project's read limit.
func TestWebhookCredentialAndTrackerKeysHoldAt100k(t *testing.T) {
	for _, m := range simulated(t) {
		if m.Scenario.EventsPerSecond != 100000 {
			continue
		}
		seen := map[string]bool{}
		for _, l := range m.Keys {
			for _, prefix := range []string{"WHATTEMPT#", "PRINCIPAL#", "CLIENT#"} {
				if strings.HasPrefix(l.PK, prefix) {
					seen[prefix] = true
					if l.utilisation() >= 0.8 {
						t.Errorf("%s %s: %.0f WCU/s, %.0f RCU/s, %.0f %% of its limit", l.Index, l.PK, l.WCU, l.RCU, 100*l.utilisation())
					}
				}
			}
		}
		if len(seen) != 3 {
			t.Fatalf("keys seen %v, want attempts, credentials and the tracker's", seen)
		}
		busiest := 0.0
		for _, c := range Run(m.Scenario).Cached {
			if c.By != SenderProcesses {
				continue
			}
			busiest = max(busiest, c.RCU)
			reads := min(c.RCU, c.Units*m.Plan.processes(c.By)/c.Period.Seconds())
			if reads/PartitionRCU >= 0.1 {
				t.Errorf("%s: %.0f endpoint reads/s of %.0f deliveries, %.0f %% of its read limit", c.PK, reads, c.RCU, 100*reads/PartitionRCU)
			}
		}
		if busiest < PartitionRCU {
			t.Errorf("the busiest endpoint takes %.0f deliveries/s: not the busy endpoint this checks", busiest)
		}
	}
}
