package message

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/parcelgate/parcelgate/internal/edd"
	"github.com/parcelgate/parcelgate/internal/request"
	"github.com/parcelgate/parcelgate/internal/tag"
	"github.com/parcelgate/parcelgate/internal/tracking"
)

// applyConcurrency bounds the tracking numbers updated at once.
const applyConcurrency = 8

// maxMoveAttempts bounds how often a status move is tried again after
// another processor moved the same number in between.
const maxMoveAttempts = 10

// apply writes the queued messages of clientID to the tracking data,
// reading and writing the state of all the request's numbers in shared
// calls:
//
//  1. the state of every number is read; a number without an owner and
//     without events is claimed for the client (one conditional write
//     decides a race);
//  2. the messages for numbers another client owns become Invalid;
//  3. the events of the client's numbers are stored, before any status
//     moves to one of them, so a status shown is always in its history;
//  4. the subscribers of every number with events or changes not yet
//     notified are read, in shared calls;
//  5. each number's status moves to its newest event if that is newer,
//     together with the change it makes (sequence, previous status), in
//     one conditional write per number; for a number without subscribers
//     the same write records its changes as needing no notification. The
//     first move of a number nobody owns is also its claim: if another
//     client claimed it first, its messages become Invalid; if not, its
//     events are stored now (its status keeps its event meanwhile);
//  6. shipment data and service changes are applied, the carriers'
//     delivery dates kept, the first deliveries learned and the followed
//     parcels' stall and late watches touched (edd); then
//     the subscribers of every number with changes not yet notified are
//     told, so a notification lost to a crash is recorded when the task
//     is retried.
func (s Service) apply(ctx context.Context, clientID string, msgs []request.Message, now time.Time) error {
	b, err := groupByNumber(clientID, msgs, now)
	if err != nil || len(b.order) == 0 {
		return err
	}
	if err := s.readStates(ctx, b); err != nil {
		return err
	}
	b.classifyEvents()
	candidates := b.setAsideOthersNumbers()
	// The events of the client's numbers are stored before their status
	// moves; those of numbers being claimed cannot be (they may turn out
	// another client's) and follow the move, which keeps the status's
	// event with the status (tracking.Shipment.Latest) meanwhile. A crash
	// in between leaves the number the client's, and the retry stores
	// them as it does for any owned number.
	if err := s.Tracking.PutEvents(ctx, b.ownedEvents); err != nil {
		return err
	}
	if err := s.readSubscribers(ctx, b, candidates); err != nil {
		return err
	}
	unnotified, taken, err := s.advance(ctx, clientID, candidates, b.states, b.events, b.subscribers, now)
	if err != nil {
		return err
	}
	owned, err := s.settleClaims(ctx, b, candidates, taken)
	if err != nil {
		return err
	}
	if err := s.countUnmapped(ctx, clientID, owned, b.unmapped, now); err != nil {
		return err
	}
	if err := s.applyShipmentsAndServices(ctx, b, owned); err != nil {
		return err
	}
	if err := s.keepCarrierDates(ctx, b, owned); err != nil {
		return err
	}
	if err := s.recordDeliveries(ctx, b, owned, unnotified); err != nil {
		return err
	}
	// With the request's deliveries counted, its parcels' estimates and
	// watches share their reads of the projects' aggregates.
	ctx = edd.ShareAggregates(ctx)
	if err := s.watchParcels(ctx, b, owned); err != nil {
		return err
	}
	return s.notifyOwned(ctx, b, owned, unnotified)
}

// batch is what apply's steps learn of a request's queued messages,
// number by number.
type batch struct {
	clientID string
	msgs     []request.Message
	now      time.Time
	// order lists the numbers in the order the request first names them;
	// byNumber holds each one's message indexes, events its tracking
	// events as sent.
	order    []string
	byNumber map[string][]int
	events   map[string][]tracking.Event
	// states are the numbers' states, with the owners claims gave them;
	// claiming are the numbers nobody owns that their first move claims.
	states   map[string]tracking.State
	claiming map[string]bool
	// unmapped are each number's events that no mapping table knows.
	unmapped map[string][]tracking.Event
	// ownedEvents are the events of the numbers applied for the client.
	ownedEvents map[string][]tracking.Event
	// subscribers are the projects of each number with news.
	subscribers map[string][]string
}

// groupByNumber reads the number and the event of every queued message.
func groupByNumber(clientID string, msgs []request.Message, now time.Time) (*batch, error) {
	b := &batch{clientID: clientID, msgs: msgs, now: now, byNumber: map[string][]int{}, events: map[string][]tracking.Event{}}
	for i, m := range msgs {
		if m.Status != request.Queued {
			continue
		}
		var head struct {
			TrackingNumber string `json:"trackingNumber"`
		}
		if err := json.Unmarshal([]byte(m.Payload), &head); err != nil {
			return nil, fmt.Errorf("message %s: %w", m.ID, err)
		}
		number, _, _ := tracking.Identify(head.TrackingNumber)
		if _, seen := b.byNumber[number]; !seen {
			b.order = append(b.order, number)
		}
		b.byNumber[number] = append(b.byNumber[number], i)
		if m.Type == TypeTrackingEvent {
			ev, err := parseEvent(m)
			if err != nil {
				return nil, err
			}
			b.events[number] = append(b.events[number], ev)
		}
	}
	return b, nil
}

// readStates reads the numbers' states and claims for the client the
// unowned numbers without events. A number nobody owns is the client's
// once it wins a conditional write: with events, its first move
// (claiming); without, a claim.
func (s Service) readStates(ctx context.Context, b *batch) error {
	states, err := s.Tracking.States(ctx, b.order)
	if err != nil {
		return err
	}
	b.states, b.claiming = states, map[string]bool{}
	var unowned []string
	for _, n := range b.order {
		switch {
		case states[n].Owner != "":
		case len(b.events[n]) > 0:
			b.claiming[n] = true
		default:
			unowned = append(unowned, n)
		}
	}
	if len(unowned) == 0 {
		return nil
	}
	owners, err := s.Tracking.Claim(ctx, b.clientID, unowned, s.Now())
	if err != nil {
		return err
	}
	for _, n := range unowned {
		st := states[n]
		st.Owner = owners[n]
		states[n] = st
	}
	return nil
}

// classifyEvents tags every event now that the number's current tag is
// known: a raw status no table maps is InTransit_Unknown once the parcel
// has moved, InfoReceived before.
func (b *batch) classifyEvents() {
	b.unmapped = map[string][]tracking.Event{}
	for _, n := range b.order {
		if len(b.events[n]) > 0 {
			_, c, _ := tracking.Identify(n)
			b.unmapped[n] = tracking.Classify(c, b.states[n].Tag, b.events[n])
		}
	}
}

// setAsideOthersNumbers makes Invalid the messages of numbers another
// client owns and returns the rest, the candidates; the events of those
// the client owns already are ownedEvents.
func (b *batch) setAsideOthersNumbers() (candidates []string) {
	b.ownedEvents = map[string][]tracking.Event{}
	for _, n := range b.order {
		if b.states[n].Owner != b.clientID && !b.claiming[n] {
			invalidate(b.msgs, b.byNumber[n], n, b.now)
			continue
		}
		candidates = append(candidates, n)
		if len(b.events[n]) > 0 && !b.claiming[n] {
			b.ownedEvents[n] = b.events[n]
		}
	}
	return candidates
}

// readSubscribers reads, before the moves, the subscribers of every
// number with news: those with events (to move, and for shipment records
// to follow: a number in a shipment record is subscribed to its project,
// so a number without subscribers has no records to look up) and those
// with changes not yet notified. Only moves of numbers with events are
// retried, so these are all the numbers advance can leave with changes
// to notify.
func (s Service) readSubscribers(ctx context.Context, b *batch, candidates []string) error {
	var news []string
	for _, n := range candidates {
		if len(b.events[n]) > 0 || len(b.states[n].Unnotified()) > 0 {
			news = append(news, n)
		}
	}
	subscribers, err := s.Tracking.Subscribers(ctx, news, b.now)
	b.subscribers = subscribers
	return err
}

// settleClaims makes Invalid the messages of the numbers another client's
// move claimed first, stores the events of the numbers the client's moves
// claimed, and returns the numbers applied for the client.
func (s Service) settleClaims(ctx context.Context, b *batch, candidates []string, taken map[string]bool) (owned []string, err error) {
	claimedEvents := map[string][]tracking.Event{}
	for _, n := range candidates {
		if taken[n] {
			invalidate(b.msgs, b.byNumber[n], n, b.now)
			continue
		}
		owned = append(owned, n)
		if b.claiming[n] {
			claimedEvents[n] = b.events[n]
			b.ownedEvents[n] = b.events[n]
		}
	}
	return owned, s.Tracking.PutEvents(ctx, claimedEvents)
}

// applyShipmentsAndServices applies each owned number's shipment data
// and service changes, a few numbers at once, and has the data
// exchange's shipment records (weavy-compatible) follow the number's
// status.
func (s Service) applyShipmentsAndServices(ctx context.Context, b *batch, owned []string) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(applyConcurrency)
	for _, n := range owned {
		g.Go(func() error {
			if err := s.applyNumber(gctx, n, b.msgs, b.byNumber[n]); err != nil {
				return err
			}
			if len(b.subscribers[n]) > 0 {
				return s.followShipments(gctx, n, b.ownedEvents[n])
			}
			return nil
		})
	}
	return g.Wait()
}

// notifyOwned tells the subscribers of the owned numbers of the changes
// they have not been told of, then marks the numbers notified up to
// their newest change (subscribed or not, so none is looked at again).
func (s Service) notifyOwned(ctx context.Context, b *batch, owned []string, unnotified map[string][]tracking.Change) error {
	notified := map[string]int{}
	var changes []tracking.Change
	estimates := map[string]*tracking.EstimatedDelivery{}
	for _, n := range owned {
		if c := unnotified[n]; len(c) > 0 {
			notified[n] = c[len(c)-1].Sequence
			if len(b.subscribers[n]) > 0 {
				changes = append(changes, c...)
			}
		}
	}
	if len(notified) == 0 {
		return nil
	}
	if err := s.notify(ctx, b.subscribers, changes); err != nil {
		return err
	}
	// The estimate told goes with the mark, an item the tracking read
	// reads anyway: the read shows it without estimating again.
	for _, c := range changes {
		estimates[c.TrackingNumber] = c.Estimated
	}
	return s.Tracking.MarkNotified(ctx, notified, estimates)
}

// invalidate settles the messages of a number another client owns.
func invalidate(msgs []request.Message, indexes []int, number string, now time.Time) {
	for _, i := range indexes {
		msgs[i].Status, msgs[i].ProcessedAt = request.Invalid, now
		msgs[i].Errors = []string{fmt.Sprintf("tracking number %s belongs to another client: only the client that first sent data for a number can send more for it", number)}
	}
}

// advance moves the numbers' statuses and returns, per number, the
// changes its subscribers have not been told of. A move that lost a race
// with another processor is decided again on the number's new state. A
// number nobody owned is claimed by its move for clientID; if another
// client's move claimed it first, it is in taken and not moved.
//
// The move of a number without subscribers (as read just before) records
// its changes as needing no notification itself, so the number needs no
// mark afterwards. A project subscribing the number between that read
// and the move is told of the number's changes from the next one on, as
// if it had subscribed just after the move.
func (s Service) advance(ctx context.Context, clientID string, numbers []string, states map[string]tracking.State, events map[string][]tracking.Event, subscribers map[string][]string, now time.Time) (unnotified map[string][]tracking.Change, taken map[string]bool, err error) {
	unnotified, taken = map[string][]tracking.Change{}, map[string]bool{}
	for attempt := 1; ; attempt++ {
		var moves []tracking.Move
		for _, n := range numbers {
			if owner := states[n].Owner; owner != "" && owner != clientID {
				taken[n] = true
				delete(unnotified, n)
				continue
			}
			_, c, _ := tracking.Identify(n)
			if m, ok := tracking.NextMove(n, c, states[n], events[n], now); ok {
				if m.From.Owner == "" {
					m.Claim = clientID
				}
				m.Unsubscribed = len(subscribers[n]) == 0
				moves = append(moves, m)
				unnotified[n] = m.Pending
				if m.Unsubscribed {
					unnotified[n] = nil
				}
			} else {
				unnotified[n] = states[n].Unnotified()
			}
		}
		if len(moves) == 0 {
			return unnotified, taken, nil
		}
		conflicts, err := s.Tracking.Advance(ctx, moves)
		if err != nil || len(conflicts) == 0 {
			return unnotified, taken, err
		}
		if attempt == maxMoveAttempts {
			return nil, nil, fmt.Errorf("status of %d numbers still moved by others after %d attempts", len(conflicts), attempt)
		}
		if states, err = s.Tracking.States(ctx, conflicts); err != nil {
			return nil, nil, err
		}
		numbers = conflicts
	}
}

func parseEvent(m request.Message) (tracking.Event, error) {
	var p eventPayload
	if err := json.Unmarshal([]byte(m.Payload), &p); err != nil {
		return tracking.Event{}, err
	}
	at, _ := tracking.ParseDatetime(p.Datetime)
	ev := tracking.Event{Status: p.Status, Datetime: p.Datetime, At: at}
	if p.Tag != nil {
		ev.Tag = tag.Tag(*p.Tag)
	}
	if p.Subtag != nil {
		ev.Subtag = tag.Subtag(*p.Subtag)
		if ev.Tag == "" {
			ev.Tag = ev.Subtag.Tag()
		}
	}
	if p.OriginStatus != nil {
		ev.OriginStatus = *p.OriginStatus
	}
	if p.Agency != nil {
		ev.Agency = *p.Agency
	}
	return ev, nil
}

// applyNumber applies a number's shipment data and service changes, in
// request order.
func (s Service) applyNumber(ctx context.Context, number string, msgs []request.Message, indexes []int) error {
	for _, i := range indexes {
		m := msgs[i]
		switch m.Type {
		case TypeShipment:
			var p shipmentPayload
			if err := decodeExact([]byte(m.Payload), &p); err != nil {
				return err
			}
			_, c, _ := tracking.Identify(number)
			service := p.Service
			if service == "" {
				service = p.Type
			}
			// A flow the sender gives is kept as given; without one it is
			// derived from the shipment type when read.
			sh := tracking.Shipment{TrackingNumber: number, Carrier: c, Type: p.Type, Service: service,
				CustomAttributes: tracking.StripSecure(p.CustomAttributes), CreatedAt: p.CreatedAt, ExpectedFlow: p.ExpectedFlow,
				FirstKnownAt: s.Now().UTC().Format(tracking.FirstKnownLayout)}
			if err := s.Tracking.PutShipment(ctx, sh); err != nil {
				return err
			}
		case TypeServiceChange:
			var p serviceChangePayload
			if err := json.Unmarshal([]byte(m.Payload), &p); err != nil {
				return err
			}
			at, _ := tracking.ParseDatetime(p.Datetime)
			if err := s.Tracking.SetService(ctx, number, p.Service, p.Datetime, at); err != nil {
				return err
			}
		}
	}
	return nil
}
