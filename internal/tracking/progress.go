package tracking

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"time"

	"github.com/parcelgate/parcelgate/internal/sorttime"

	"github.com/parcelgate/parcelgate/internal/carrier"
	"github.com/parcelgate/parcelgate/internal/tag"
)

// EventKey orders a number's events by time, then by content: the same
// event delivered twice has one key, and of two events at the same
// instant one is consistently the newer.
func EventKey(ev Event) string {
	sum := sha256.Sum256([]byte(strings.Join([]string{ev.Status, ev.OriginStatus, ev.Agency, ev.Datetime}, "\x00")))
	return sorttime.Format(ev.At) + "#" + hex.EncodeToString(sum[:8])
}

// State is where a number's data stands: whose it is, its current status,
// and the status changes its subscribers may not have been told of yet.
// The changes are kept with the status, written in the same conditional
// write that moves it, so a change cannot be lost between the two.
type State struct {
	// Owner is the client whose data the number holds: the first to send
	// data for it. "" until then.
	Owner  string
	Status string // "" until the first event
	// Tag is the current status's tag ("" until the first event): an
	// event's status no table maps is classified by whether the parcel
	// has moved (Classify), and a change says what it moved from.
	Tag       tag.Tag
	LatestKey string // EventKey of the current status's event
	// Sequence counts the number's status changes, from 1.
	Sequence int
	// Pending are the changes kept since the last that was known to be
	// notified, oldest first; Notified is the sequence up to which the
	// subscribers were told.
	Pending  []Change
	Notified int
}

// Unnotified returns the changes whose subscribers have not been told yet.
func (s State) Unnotified() []Change {
	var out []Change
	for _, c := range s.Pending {
		if c.Sequence > s.Notified {
			out = append(out, c)
		}
	}
	return out
}

// Change is one move of a number's current status.
type Change struct {
	TrackingNumber string
	Carrier        carrier.Carrier
	Sequence       int
	PreviousStatus string  // "" for the first
	PreviousTag    tag.Tag // "" for the first
	Event          Event
	At             time.Time // when the status moved
	// Estimated is the parcel's estimated delivery when its subscribers
	// were told of the change; nil when it had none.
	Estimated *EstimatedDelivery
}

// Move makes Event a number's current status. It applies only while the
// number's data is still as From says (same owner, same sequence).
type Move struct {
	TrackingNumber string
	Carrier        carrier.Carrier
	From           State
	Event          Event
	// Pending are the changes to keep after the move: those of From not
	// yet notified, and this move's, last.
	Pending []Change
	// Unsubscribed says the number had no subscribers when read just
	// before the move: the move also records its changes up to the new
	// sequence as needing no notification (State.Notified), in the same
	// write, so no separate mark is written for the number.
	Unsubscribed bool
	// Claim is, for a number nobody owns yet (From.Owner ""), the client
	// the move makes its owner in the same write: a new number's first
	// status costs one conditional write instead of a claim and a move.
	// Of two clients' first moves of a number, one applies.
	Claim string
}

// Change returns the status change the move makes.
func (m Move) Change() Change { return m.Pending[len(m.Pending)-1] }

// NextMove returns the move that makes the newest of events the number's
// current status, if it is newer than the current one: a status only
// moves forward in time, whatever order events arrive in.
//
// Events without a tag get one (Classify) on a copy: a status always
// moves with its tag.
func NextMove(number string, c carrier.Carrier, st State, events []Event, now time.Time) (Move, bool) {
	events = slices.Clone(events)
	Classify(c, st.Tag, events)
	newestKey, newest := "", Event{}
	for _, ev := range events {
		if k := EventKey(ev); k > newestKey {
			newestKey, newest = k, ev
		}
	}
	if newestKey == "" || newestKey <= st.LatestKey {
		return Move{}, false
	}
	change := Change{TrackingNumber: number, Carrier: c, Sequence: st.Sequence + 1, PreviousStatus: st.Status, PreviousTag: st.Tag, Event: newest, At: now.UTC()}
	return Move{TrackingNumber: number, Carrier: c, From: st, Event: newest, Pending: append(st.Unnotified(), change)}, true
}
