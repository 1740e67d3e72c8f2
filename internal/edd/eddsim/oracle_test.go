package eddsim

import (
	"testing"
)

// The oracle draws the same estimate for the same history, in order and
// after the pick-up; a parcel picked up on a Friday evening is expected
// no sooner than the next working day.
func TestOracleIsOrderedAndRepeatable(t *testing.T) {
	o := DefaultOptions()
	for _, h := range Generate(11, 300, o.Start, o.Span) {
		e := oracle(h)
		if again := oracle(h); again != e {
			t.Fatalf("%s: %+v, then %+v", h.Number, e, again)
		}
		if !h.model.pickup.Before(e.Earliest) || e.Likely.Before(e.Earliest) || e.Latest.Before(e.Likely) {
			t.Fatalf("%s picked up %s: %+v", h.Number, h.model.pickup, e)
		}
		if !h.model.dest.IsBusinessDay(e.Likely) {
			t.Fatalf("%s: likely %s is no working day", h.Number, e.Likely)
		}
	}
}
