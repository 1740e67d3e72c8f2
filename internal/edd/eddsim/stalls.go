package eddsim

import (
	"context"
	"fmt"
	"io"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/parcelgate/parcelgate/internal/edd"
	"github.com/parcelgate/parcelgate/internal/tag"
)

// Stalls scores stall detection on the scored parcels against the
// model's truth, its silences (stops for good and silent holds). Each
// parcel's watch is replayed as edd.Watcher keeps it: after each event,
// the parcel counts as stalled once it has gone edd.StallAfter (in the
// destination's business time) without a newer one, flagged once per
// gap. A flag is a true positive when the gap it was raised in holds a
// silence, a false one otherwise (a parcel merely slower than usual); a
// silence is found when its gap was flagged by the end of the run.
type Stalls struct {
	// Stops and Holds count the silences of the scored parcels.
	Stops, Holds int
	// Learned uses the thresholds learned from the project's deliveries
	// before the scored part of the period (edd.StallAfter); P95 the same
	// without the grace; Fallback the fixed business days alone.
	Learned, P95, Fallback StallScore
}

// StallScore is one threshold rule's flags.
type StallScore struct {
	Flags, TrueFlags       int
	FoundStops, FoundHolds int
	// delays are the business time from the last event before each
	// found silence to its flag: how long a shop waits to hear of it.
	delays []time.Duration
}

// Precision is the share of flags that were a silence.
func (s StallScore) Precision() float64 { return ratio(float64(s.TrueFlags), s.Flags) }

// Recall is the share of silences flagged.
func (r Stalls) Recall(s StallScore) float64 {
	return ratio(float64(s.FoundStops+s.FoundHolds), r.Stops+r.Holds)
}

// MedianDelay is the median time to a found silence's flag.
func (s StallScore) MedianDelay() time.Duration {
	if len(s.delays) == 0 {
		return 0
	}
	d := slices.Clone(s.delays)
	slices.Sort(d)
	return d[len(d)/2]
}

// learnedAggregates reads the project's aggregates of every group of the
// histories, as the thresholds see them.
func learnedAggregates(ctx context.Context, s edd.Store, hs []History) (map[string]edd.Aggregate, error) {
	seen := map[string]bool{}
	var keys []string
	for _, h := range hs {
		for _, g := range parcelOf(h).Groups() {
			if !seen[g.Key] {
				seen[g.Key] = true
				keys = append(keys, g.Key)
			}
		}
	}
	return s.Aggregates(ctx, []string{project}, keys)
}

func parcelOf(h History) edd.Parcel {
	return edd.Parcel{Carrier: h.Carrier, Service: h.Service, Origin: h.Origin, Destination: h.Destination, PostalCode: h.PostalCode}
}

// scoreStalls replays the watches of the histories shipped from cutoff on,
// until end, with the thresholds of learned and with the fallback alone.
func scoreStalls(hs []History, cutoff, end time.Time, learned map[string]edd.Aggregate) Stalls {
	var out Stalls
	// A threshold depends on the parcel's groups and tag only: computed
	// once per most specific group, tag and rule (a few hundred), not once
	// per event, which made the replay of 50,000 parcels take five times
	// as long.
	memo := map[string]time.Duration{}
	cached := func(rule, group string, t tag.Tag, f func() time.Duration) time.Duration {
		k := rule + "|" + group + "|" + string(t)
		d, ok := memo[k]
		if !ok {
			d = f()
			memo[k] = d
		}
		return d
	}
	for _, h := range hs {
		if h.CreatedAt.Before(cutoff) {
			continue
		}
		for _, s := range h.Silences {
			if s.Until.IsZero() {
				out.Stops++
			} else {
				out.Holds++
			}
		}
		p := parcelOf(h)
		g := p.Groups()[0].Key
		out.Learned.replay(h, end, func(t tag.Tag) time.Duration {
			return cached("learned", g, t, func() time.Duration { return edd.StallAfter(p, t, learned) })
		})
		out.P95.replay(h, end, func(t tag.Tag) time.Duration {
			return cached("p95", g, t, func() time.Duration {
				if q, ok := edd.LearnedStall(p, t, learned); ok {
					return q
				}
				return edd.StallAfter(p, t, nil)
			})
		})
		out.Fallback.replay(h, end, func(t tag.Tag) time.Duration {
			return cached("fallback", g, t, func() time.Duration { return edd.StallAfter(p, t, nil) })
		})
	}
	return out
}

// replay adds the flags of one history's watch with the thresholds of
// after.
func (s *StallScore) replay(h History, end time.Time, after func(tag.Tag) time.Duration) {
	cal := parcelOf(h).Calendar()
	for i, e := range h.Events {
		if e.Tag == tag.Delivered {
			return
		}
		next := end
		if i+1 < len(h.Events) {
			next = h.Events[i+1].At
		}
		if !next.After(e.At) {
			continue // events at one instant: the watch moves with the last
		}
		at := cal.AddBusinessTime(e.At, after(e.Tag))
		if !at.Before(next) || at.After(end) {
			continue
		}
		s.Flags++
		for _, sil := range h.Silences {
			if !sil.From.Before(next) || !sil.Until.IsZero() && !sil.Until.After(e.At) {
				continue
			}
			s.TrueFlags++
			if sil.Until.IsZero() {
				s.FoundStops++
			} else {
				s.FoundHolds++
			}
			s.delays = append(s.delays, cal.BusinessTime(e.At, at))
			break
		}
	}
}

// table prints the stall figures under the estimates'.
func (r Stalls) table(w io.Writer) error {
	fmt.Fprintf(w, "\nstalled parcels: %d silences in the scored parcels (%d stopped for good, %d silent holds)\n\n", r.Stops+r.Holds, r.Stops, r.Holds)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "STALL THRESHOLD\tFLAGS\tPRECISION\tRECALL\tSTOPS FOUND\tHOLDS FOUND\tMEDIAN WAIT (BUSINESS DAYS)")
	for _, row := range []struct {
		name string
		s    StallScore
	}{{"learned (p95 of the gaps and a day)", r.Learned}, {"p95 of the gaps alone", r.P95}, {"fallback alone", r.Fallback}} {
		fmt.Fprintf(tw, "%s\t%d\t%.3f\t%.3f\t%d/%d\t%d/%d\t%.2f\n", row.name, row.s.Flags, row.s.Precision(), r.Recall(row.s),
			row.s.FoundStops, r.Stops, row.s.FoundHolds, r.Holds, row.s.MedianDelay().Hours()/24)
	}
	return tw.Flush()
}
