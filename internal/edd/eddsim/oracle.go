package eddsim

import (
	"hash/fnv"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/parcelgate/parcelgate/internal/edd"
)

// oracleDraws is how many deliveries the oracle draws for a parcel: the
// median of 401 draws is within a fraction of the distribution's spread
// of its true median, so the oracle's MAE lies a hair above its bound.
const oracleDraws = 401

// oracle is the estimate at pick-up that only the model itself could
// make: it knows the parcel's pick-up and its own parameters (its typical
// transit, the product's median times its lane's and its postal area's
// factors, and the spread around it) but not the dice still to be thrown
// for it (the lognormal draw, the late share, the exception, the failed
// attempt, the hour of the round), and so draws its delivery over and
// over: the draws' p10, p50 and p90. Its likely, the median of the
// delivery's true distribution, is what minimises the expected absolute
// error, so no estimate made at pick-up can have a lower MAE than the
// oracle's (but for the draws' noise): if it is above half the standard
// table's, the target cannot be met on this model at pick-up.
// A parcel's draws are seeded by its number, so a run gives the same.
func oracle(h History) edd.Estimate {
	f := fnv.New64a()
	f.Write([]byte(h.Number))
	g := &gen{r: rand.New(rand.NewPCG(f.Sum64(), 0x04ac1e))}
	m := h.model
	ds := make([]time.Time, oracleDraws)
	for i := range ds {
		arrival := m.dest.AddBusinessTime(m.pickup, g.transit(m))
		if _, lost, ok := g.exception(); ok {
			arrival = m.dest.AddBusinessTime(arrival, lost)
		}
		_, _, _, ds[i] = g.lastMile(m.dest, arrival)
	}
	slices.SortFunc(ds, time.Time.Compare)
	q := func(p float64) time.Time { return ds[int(p*float64(oracleDraws-1))] }
	return edd.Estimate{Earliest: q(0.1), Likely: q(0.5), Latest: q(0.9)}
}
