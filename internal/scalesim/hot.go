package scalesim

import (
	"math"
	"sort"
)

// Hot is one kind of key past a partition's limits at the scenario's
// peak: the hottest of its keys and the sharding that would hold it.
type Hot struct {
	Index Index
	Role  string
	Keys  int // keys of the kind over the limits
	Load
	// Factor is how many times more partitions the kind needs to stay
	// under 80 % of the limits.
	Factor int
	Fix    string
}

// Fixes are the sharding (or the read that goes) each kind of key known
// to run hot at 100,000 events/s needs. The stored key layouts are not
// changed here; TestKeysHoldAt100kEventsPerSecond fails when a kind not
// listed runs hot, or a listed one no longer does.
var Fixes = map[string]string{}

// HotKinds groups the keys over the limits by kind.
func (r Result) HotKinds() []Hot {
	byKind := map[string]*Hot{}
	for _, l := range r.Over() {
		k := string(l.Index) + "\x00" + l.Role
		h := byKind[k]
		if h == nil {
			h = &Hot{Index: l.Index, Role: l.Role, Load: l, Fix: Fixes[l.Role]}
			byKind[k] = h
		}
		h.Keys++
		if l.utilisation() > h.utilisation() {
			h.Load = l
		}
	}
	var out []Hot
	for _, h := range byKind {
		h.Factor = int(math.Ceil(h.utilisation() / 0.8))
		out = append(out, *h)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if ua, ub := a.utilisation(), b.utilisation(); ua != ub {
			return ua > ub
		}
		return a.Index < b.Index || a.Index == b.Index && a.Role < b.Role
	})
	return out
}

// Hottest returns the n most loaded keys of an index.
func (r Result) Hottest(ix Index, n int) []Load {
	var out []Load
	for _, l := range r.Keys {
		if l.Index == ix {
			out = append(out, l)
			if len(out) == n {
				break
			}
		}
	}
	return out
}
