package edd

import (
	"math"
	"time"
)

// Histograms count durations in log-spaced buckets: bucket 0 holds
// [0, bucketBase), bucket i ≥ 1 holds [base·2^((i-1)/8), base·2^(i/8)),
// eight buckets to a doubling, so every bucket is 9% wide whatever the
// scale, from a quarter of an hour to 2,048 hours (85 business days); the
// last bucket also takes everything longer. Two histograms merge by
// adding their counts, which is what lets shards, and projects, be read
// together.
const (
	NumBuckets       = 106
	bucketsPerDouble = 8
	bucketBase       = 15 * time.Minute
)

// Histogram is a count of durations per bucket.
type Histogram [NumBuckets]int64

// Bucket is the bucket of d (negative counts as 0).
func Bucket(d time.Duration) int {
	if d < bucketBase {
		return 0
	}
	i := 1 + int(math.Floor(bucketsPerDouble*math.Log2(float64(d)/float64(bucketBase))))
	return min(i, NumBuckets-1)
}

// bounds returns bucket i's interval in hours.
func bounds(i int) (lo, hi float64) {
	base := bucketBase.Hours()
	if i == 0 {
		return 0, base
	}
	return base * math.Exp2(float64(i-1)/bucketsPerDouble), base * math.Exp2(float64(i)/bucketsPerDouble)
}

// Add counts d once.
func (h *Histogram) Add(d time.Duration) { h[Bucket(d)]++ }

// Merge adds o's counts to h.
func (h *Histogram) Merge(o *Histogram) {
	for i, c := range o {
		h[i] += c
	}
}

// Total is the number of durations counted; none in a nil histogram, a
// tag no parcel of a group went through.
func (h *Histogram) Total() int64 {
	if h == nil {
		return 0
	}
	var n int64
	for _, c := range h {
		n += c
	}
	return n
}

// Above is how many durations exceed spent, counting the part of spent's
// own bucket above it (durations are taken as spread evenly within a
// bucket), so it can be fractional; none in a nil histogram.
func (h *Histogram) Above(spent time.Duration) float64 {
	_, m := h.above(spent)
	return m
}

// weights are how many durations of a histogram, or of a blend of
// histograms, fall in each bucket; fractional.
type weights [NumBuckets]float64

// above returns h's counts of durations that exceed spent, per bucket,
// and their sum.
func (h *Histogram) above(spent time.Duration) (w weights, m float64) {
	if h == nil {
		return w, 0
	}
	s := max(spent.Hours(), 0)
	for i, c := range h {
		if c > 0 {
			w[i] = float64(c) * fractionAbove(i, s)
			m += w[i]
		}
	}
	return w, m
}

func fractionAbove(i int, s float64) float64 {
	lo, hi := bounds(i)
	switch {
	case s <= lo:
		return 1
	case s >= hi:
		return 0
	}
	return (hi - s) / (hi - lo)
}

// ConditionalQuantiles returns, for each q in qs (ascending, in (0, 1)),
// the q-quantile of the durations that exceed spent: what the whole
// duration will be given that spent has already gone by. Each is at least
// spent, and a longer spent never gives a shorter one. ok is false when
// no duration exceeds spent.
func (h *Histogram) ConditionalQuantiles(spent time.Duration, qs ...float64) (out []time.Duration, ok bool) {
	w, m := h.above(spent)
	return w.quantiles(m, spent, qs...)
}

// quantiles returns, for each q in qs (ascending), the q-quantile of the
// durations w counts above spent, m in all; false when m is none.
func (w *weights) quantiles(m float64, spent time.Duration, qs ...float64) (out []time.Duration, ok bool) {
	if m <= 0 {
		return nil, false
	}
	s := max(spent.Hours(), 0)
	out = make([]time.Duration, len(qs))
	var cum, lastHi float64
	k := 0
	for i, x := range w {
		if x == 0 {
			continue
		}
		lo, hi := bounds(i)
		lo, lastHi = max(lo, s), hi
		// A quantile reached within rounding counts as reached: where the
		// distribution has a gap at exactly q (a blend can), the rounding
		// of its sums must not pick the gap's top at one time spent and
		// its bottom at a longer one.
		for k < len(qs) && cum+x >= qs[k]*m*(1-1e-9) {
			at := lo + min((qs[k]*m-cum)/x, 1)*(hi-lo)
			out[k] = max(time.Duration(at*float64(time.Hour)), spent)
			k++
		}
		cum += x
	}
	for ; k < len(qs); k++ { // rounding left the top quantiles unplaced
		out[k] = time.Duration(lastHi * float64(time.Hour))
	}
	return out, true
}
