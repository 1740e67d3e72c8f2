package message

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/parcelgate/parcelgate/internal/job"
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
//  6. shipment data and service changes are applied, and the subscribers
//     of every number with changes not yet notified are told, so a
//     notification lost to a crash is recorded when the task is retried.
func (s Service) apply(ctx context.Context, clientID string, msgs []request.Message, now time.Time) error {
	byNumber := map[string][]int{}
	events := map[string][]tracking.Event{}
	var order []string
	for i, m := range msgs {
		if m.Status != request.Queued {
			continue
		}
		var head struct {
			TrackingNumber string `json:"trackingNumber"`
		}
		if err := json.Unmarshal([]byte(m.Payload), &head); err != nil {
			return fmt.Errorf("message %s: %w", m.ID, err)
		}
		number, _, _ := tracking.Identify(head.TrackingNumber)
		if _, seen := byNumber[number]; !seen {
			order = append(order, number)
		}
		byNumber[number] = append(byNumber[number], i)
		if m.Type == TypeTrackingEvent {
			ev, err := parseEvent(m)
			if err != nil {
				return err
			}
			events[number] = append(events[number], ev)
		}
	}
	if len(order) == 0 {
		return nil
	}
	states, err := s.Tracking.States(ctx, order)
	if err != nil {
		return err
	}
	// A number nobody owns is the client's once it wins a conditional
	// write: with events, its first move (claiming); without, a claim.
	claiming := map[string]bool{}
	var unowned []string
	for _, n := range order {
		switch {
		case states[n].Owner != "":
		case len(events[n]) > 0:
			claiming[n] = true
		default:
			unowned = append(unowned, n)
		}
	}
	if len(unowned) > 0 {
		owners, err := s.Tracking.Claim(ctx, clientID, unowned, s.Now())
		if err != nil {
			return err
		}
		for _, n := range unowned {
			st := states[n]
			st.Owner = owners[n]
			states[n] = st
		}
	}
	// Every event gets its tag now that the number's current tag is
	// known: a raw status no table maps is InTransit_Unknown once the
	// parcel has moved, InfoReceived before.
	unmapped := map[string][]tracking.Event{}
	for _, n := range order {
		if len(events[n]) > 0 {
			_, c, _ := tracking.Identify(n)
			unmapped[n] = tracking.Classify(c, states[n].Tag, events[n])
		}
	}
	var candidates []string
	ownedEvents := map[string][]tracking.Event{}
	for _, n := range order {
		if states[n].Owner != clientID && !claiming[n] {
			invalidate(msgs, byNumber[n], n, now)
			continue
		}
		candidates = append(candidates, n)
		if len(events[n]) > 0 && !claiming[n] {
			ownedEvents[n] = events[n]
		}
	}
	// The events of the client's numbers are stored before their status
	// moves; those of numbers being claimed cannot be (they may turn out
	// another client's) and follow the move, which keeps the status's
	// event with the status (tracking.Shipment.Latest) meanwhile. A crash
	// in between leaves the number the client's, and the retry stores
	// them as it does for any owned number.
	if err := s.Tracking.PutEvents(ctx, ownedEvents); err != nil {
		return err
	}
	// Subscribers are read, before the moves, for every number with news:
	// those with events (to move, and for shipment records to follow: a
	// number in a shipment record is subscribed to its project, so a
	// number without subscribers has no records to look up) and those
	// with changes not yet notified. Only moves of numbers with events
	// are retried, so these are all the numbers advance can leave with
	// changes to notify.
	var news []string
	for _, n := range candidates {
		if len(events[n]) > 0 || len(states[n].Unnotified()) > 0 {
			news = append(news, n)
		}
	}
	subscribers, err := s.Tracking.Subscribers(ctx, news, now)
	if err != nil {
		return err
	}
	unnotified, taken, err := s.advance(ctx, clientID, candidates, states, events, subscribers, now)
	if err != nil {
		return err
	}
	var owned []string
	claimedEvents := map[string][]tracking.Event{}
	for _, n := range candidates {
		if taken[n] {
			invalidate(msgs, byNumber[n], n, now)
			continue
		}
		owned = append(owned, n)
		if claiming[n] {
			claimedEvents[n] = events[n]
			ownedEvents[n] = events[n]
		}
	}
	if err := s.Tracking.PutEvents(ctx, claimedEvents); err != nil {
		return err
	}
	if err := s.countUnmapped(ctx, clientID, owned, unmapped, now); err != nil {
		return err
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(applyConcurrency)
	for _, n := range owned {
		g.Go(func() error {
			if err := s.applyNumber(gctx, n, msgs, byNumber[n]); err != nil {
				return err
			}
			// Data exchange (weavy-compatible): shipment records follow the number's status.
			if len(subscribers[n]) > 0 {
				return s.followShipments(gctx, n, ownedEvents[n])
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	if err := s.recordDeliveries(ctx, owned, unnotified, subscribers); err != nil {
		return err
	}
	if err := s.watchParcels(ctx, owned, events, subscribers); err != nil {
		return err
	}
	notified := map[string]int{}
	var changes []tracking.Change
	for _, n := range owned {
		if c := unnotified[n]; len(c) > 0 {
			notified[n] = c[len(c)-1].Sequence
			if len(subscribers[n]) > 0 {
				changes = append(changes, c...)
			}
		}
	}
	if len(notified) == 0 {
		return nil
	}
	if err := s.notify(ctx, subscribers, changes); err != nil {
		return err
	}
	return s.Tracking.MarkNotified(ctx, notified)
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

// notify records the changes of all the request's numbers for the
// projects subscribing them, in shared writes, before the numbers are
// marked notified.
func (s Service) notify(ctx context.Context, subscribers map[string][]string, changes []tracking.Change) error {
	if len(changes) == 0 {
		return nil
	}
	if err := s.Tracking.Notify(ctx, subscribers, changes, NotificationTTL); err != nil {
		return err
	}
	if err := s.setTags(ctx, subscribers, changes); err != nil {
		return err
	}
	// Webhooks: the records are written, then queued for delivery. A crash
	// in between leaves the numbers not marked notified, so the retry
	// writes and queues them again (at least once, same event ids).
	if s.Webhooks == nil {
		return nil
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(applyConcurrency)
	for _, a := range announcements(subscribers, changes) {
		g.Go(func() error { return s.Webhooks.TrackingUpdated(gctx, a.projects, a.changes) })
	}
	return g.Wait()
}

// setTags shows the numbers' new tags on their associations: for each
// number whose tag changed, its newest change's tag on every project
// subscribing it. Updates apply only forward (job.TagUpdate), so a retry
// or a slower processor's older change leaves the newer tag.
func (s Service) setTags(ctx context.Context, subscribers map[string][]string, changes []tracking.Change) error {
	if s.Associations == nil {
		return nil
	}
	newest := map[string]tracking.Change{}
	var order []string
	for _, c := range changes {
		if c.Event.Tag == c.PreviousTag && c.Sequence > 1 {
			continue
		}
		if _, ok := newest[c.TrackingNumber]; !ok {
			order = append(order, c.TrackingNumber)
		}
		if c.Sequence > newest[c.TrackingNumber].Sequence {
			newest[c.TrackingNumber] = c
		}
	}
	var updates []job.TagUpdate
	for _, n := range order {
		c := newest[n]
		for _, p := range subscribers[n] {
			updates = append(updates, job.TagUpdate{ProjectID: p, TrackingNumber: n, Tag: string(c.Event.Tag), Sequence: c.Sequence})
		}
	}
	if len(updates) == 0 {
		return nil
	}
	return s.Associations.SetTags(ctx, updates)
}

// announceTasks is how many delivery tasks one announcement queues: one
// queue request's worth.
const announceTasks = 10

type announcement struct {
	projects []string
	changes  []tracking.Change
}

// announcements groups changes of numbers with the same subscribers, in
// groups of about announceTasks tasks (projects × changes), so that the
// changes of many numbers share queue requests.
func announcements(subscribers map[string][]string, changes []tracking.Change) []announcement {
	var out []announcement
	open := map[string]int{}
	for _, c := range changes {
		projects := subscribers[c.TrackingNumber]
		key := strings.Join(slices.Sorted(slices.Values(projects)), "\x00")
		i, ok := open[key]
		if !ok || len(projects)*(len(out[i].changes)+1) > announceTasks {
			out = append(out, announcement{projects: projects})
			i = len(out) - 1
			open[key] = i
		}
		out[i].changes = append(out[i].changes, c)
	}
	return out
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
