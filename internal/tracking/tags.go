package tracking

import (
	"slices"
	"strings"

	"github.com/parcelgate/parcelgate/internal/carrier"
	"github.com/parcelgate/parcelgate/internal/tag"
)

// Classify gives every event without a tag the tag and subtag of its raw
// status (tag.Classify, with the carrier's tables), in time order: a
// status no table maps is InTransit_Unknown once the parcel has moved
// (from, the number's current tag, or an earlier event says so) and
// InfoReceived before. An event whose sender gave a tag keeps it. The
// events are changed in place, in the order given; Classify returns those
// no table mapped, so they can be counted and mapped later.
func Classify(c carrier.Carrier, from tag.Tag, events []Event) []Event {
	// Events already tagged (a move retried, a history read) cost no
	// hashing: they are the common case on every status move.
	if !slices.ContainsFunc(events, func(ev Event) bool { return ev.Tag == "" || ev.Subtag == "" }) {
		return nil
	}
	order := make([]int, len(events))
	keys := make([]string, len(events))
	for i, ev := range events {
		order[i], keys[i] = i, EventKey(ev)
	}
	slices.SortStableFunc(order, func(a, b int) int { return strings.Compare(keys[a], keys[b]) })
	moving := from.Moving()
	var unmapped []Event
	for _, i := range order {
		ev := &events[i]
		switch {
		case ev.Tag == "":
			st, mapped := tag.Classify(string(c), ev.Status, ev.OriginStatus, moving)
			ev.Tag, ev.Subtag = st.Tag, st.Subtag
			if !mapped {
				unmapped = append(unmapped, *ev)
			}
		case ev.Subtag == "":
			ev.Subtag = tag.Default(ev.Tag)
		}
		moving = moving || ev.Tag.Moving()
	}
	return unmapped
}

// currentTag is the shipment's current tag: the one stored with its
// status or, for a status stored before statuses had tags, that of the
// status's event in the (classified) history. A shipment without a
// status is Pending.
func currentTag(sh Shipment, history []Event) (tag.Tag, tag.Subtag) {
	switch {
	case sh.Tag != "" && sh.Subtag == "":
		return sh.Tag, tag.Default(sh.Tag)
	case sh.Tag != "":
		return sh.Tag, sh.Subtag
	case sh.Status == "":
		return tag.Pending, tag.Default(tag.Pending)
	}
	for _, ev := range history {
		if ev.Status == sh.Status {
			return ev.Tag, ev.Subtag
		}
	}
	st, _ := tag.Classify(string(sh.Carrier), sh.Status, "", len(history) > 0)
	return st.Tag, st.Subtag
}

// EntersAttention reports whether the change takes the parcel into
// Exception or AttemptFail from another tag: what the tracking.exception
// event announces, once per entry rather than once per event.
func (c Change) EntersAttention() bool {
	return c.Event.Tag.Attention() && c.Event.Tag != c.PreviousTag
}
