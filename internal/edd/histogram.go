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
// bucket), so it can be fractional.
func (h *Histogram) Above(spent time.Duration) float64 {
	s := max(spent.Hours(), 0)
	var m float64
	for i, c := range h {
		if c > 0 {
			m += float64(c) * fractionAbove(i, s)
		}
	}
	return m
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
	s := max(spent.Hours(), 0)
	m := h.Above(spent)
	if m <= 0 {
		return nil, false
	}
	out = make([]time.Duration, len(qs))
	var cum, lastHi float64
	k := 0
	for i, c := range h {
		if c == 0 {
			continue
		}
		w := float64(c) * fractionAbove(i, s)
		if w == 0 {
			continue
		}
		lo, hi := bounds(i)
		lo, lastHi = max(lo, s), hi
		for k < len(qs) && cum+w >= qs[k]*m {
			at := lo + (qs[k]*m-cum)/w*(hi-lo)
			out[k] = max(time.Duration(at*float64(time.Hour)), spent)
			k++
		}
		cum += w
	}
	for ; k < len(qs); k++ { // rounding left the top quantiles unplaced
		out[k] = time.Duration(lastHi * float64(time.Hour))
	}
	return out, true
}
