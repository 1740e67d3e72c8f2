package memory

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/parcelgate/parcelgate/internal/sorttime"

	"github.com/parcelgate/parcelgate/internal/carrier"
	"github.com/parcelgate/parcelgate/internal/job"
	"github.com/parcelgate/parcelgate/internal/message"
	"github.com/parcelgate/parcelgate/internal/tracking"
	"github.com/parcelgate/parcelgate/internal/webhook"
)

var (
	_ tracking.Store   = (*Tracking)(nil)
	_ message.Tracking = (*Tracking)(nil)
)

// Tracking is tracking.Store and message.Tracking in memory: a number's
// shipment, state, events and notification mark.
type Tracking struct {
	// Associations lists every stored association (the job store's):
	// Subscribers reads them. Nil is none.
	Associations func() []job.Association
	// Feed is where Notify records the tracking.updated events, read
	// back by its feed as the table's notification records are.
	Feed *Webhooks

	mu      sync.Mutex
	numbers map[string]*trackedNumber
}

// trackedNumber holds what the table keeps under TRK#<number>.
type trackedNumber struct {
	exists bool // the shipment item is written
	sh     tracking.Shipment
	// customAttributes is the shipment's attributes as JSON, the form
	// they are stored in.
	customAttributes string
	// firstKnownSet: the first write of a first-known time is kept, even
	// an empty one, as if_not_exists keeps it.
	firstKnownSet bool
	owner         string
	latestKey     string
	sequence      int
	pending       []tracking.Change
	// latestService orders service changes: only a newer one shows.
	latestService string
	notified      int
	// told is the estimate marked with notified.
	told          *tracking.EstimatedDelivery
	movedNotified int // by moves of the number without subscribers
	events        map[string]tracking.Event
}

func (s *Tracking) number(n string) *trackedNumber {
	if s.numbers == nil {
		s.numbers = map[string]*trackedNumber{}
	}
	if s.numbers[n] == nil {
		s.numbers[n] = &trackedNumber{events: map[string]tracking.Event{}}
	}
	return s.numbers[n]
}

// Shipment implements tracking.Store.
func (s *Tracking) Shipment(_ context.Context, number string) (tracking.Shipment, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	tn := s.numbers[number]
	if tn == nil || !tn.exists {
		return tracking.Shipment{}, tracking.ErrNotFound
	}
	sh := tn.sh
	sh.TrackingNumber = number
	if k := len(tn.pending); k > 0 && tn.pending[k-1].Sequence == tn.sequence {
		sh.Latest = tn.pending[k-1].Event
	}
	sh.ExpectedFlow = slices.Clone(tn.sh.ExpectedFlow)
	sh.CustomAttributes = map[string]any{}
	if tn.customAttributes != "" {
		if err := json.Unmarshal([]byte(tn.customAttributes), &sh.CustomAttributes); err != nil {
			return tracking.Shipment{}, err
		}
	}
	return sh, nil
}

// Tracked implements tracking.Store.
func (s *Tracking) Tracked(ctx context.Context, number string, limit int) (tracking.Shipment, []tracking.Event, error) {
	sh, err := s.Shipment(ctx, number)
	if err != nil {
		return tracking.Shipment{}, nil, err
	}
	s.mu.Lock()
	if told := s.numbers[number].told; told != nil {
		copied := *told
		sh.Told = &copied
	}
	s.mu.Unlock()
	events, err := s.Events(ctx, number, limit)
	return sh, events, err
}

// Events implements tracking.Store.
func (s *Tracking) Events(_ context.Context, number string, limit int) ([]tracking.Event, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	tn := s.numbers[number]
	if tn == nil {
		return []tracking.Event{}, nil
	}
	keys := make([]string, 0, len(tn.events))
	for k := range tn.events {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	slices.Reverse(keys)
	out := make([]tracking.Event, 0, min(limit, len(keys)))
	for _, k := range keys[:min(limit, len(keys))] {
		out = append(out, tn.events[k])
	}
	return out, nil
}

// PutShipment implements message.Tracking: the status, history and
// service stay as they are; a created_at not given keeps the stored one.
func (s *Tracking) PutShipment(_ context.Context, sh tracking.Shipment) error {
	attrs, err := json.Marshal(sh.CustomAttributes)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	tn := s.number(sh.TrackingNumber)
	if !tn.firstKnownSet {
		tn.sh.FirstKnownAt, tn.firstKnownSet = sh.FirstKnownAt, true
	}
	tn.exists = true
	tn.sh.Carrier, tn.sh.Type, tn.sh.Service, tn.customAttributes = sh.Carrier, sh.Type, sh.Service, string(attrs)
	if sh.CreatedAt != "" {
		tn.sh.CreatedAt = sh.CreatedAt
	}
	tn.sh.ExpectedFlow = slices.Clone(sh.ExpectedFlow)
	return nil
}

// PutEvents implements message.Tracking.
func (s *Tracking) PutEvents(_ context.Context, events map[string][]tracking.Event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for number, evs := range events {
		tn := s.number(number)
		for _, ev := range evs {
			key := tracking.EventKey(ev)
			// As read back from the table: the time from its datetime.
			ev.At, _ = tracking.ParseDatetime(ev.Datetime)
			tn.events[key] = ev
		}
	}
	return nil
}

// trackingServiceKey orders a number's service changes by time, then by
// content, as the table's history keys do.
func trackingServiceKey(at time.Time, service, datetime string) string {
	sum := sha256.Sum256([]byte(service + "\x00" + datetime))
	return sorttime.Format(at) + "#" + hex.EncodeToString(sum[:8])
}

// SetService implements message.Tracking.
func (s *Tracking) SetService(_ context.Context, number, service, datetime string, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	tn := s.number(number)
	key := trackingServiceKey(at, service, datetime)
	if tn.latestService != "" && tn.latestService >= key {
		return nil
	}
	tn.exists = true
	tn.latestService, tn.sh.LastService, tn.sh.ServiceUpdatedAt = key, service, datetime
	return nil
}

// States implements message.Tracking.
func (s *Tracking) States(_ context.Context, numbers []string) (map[string]tracking.State, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]tracking.State, len(numbers))
	for _, n := range numbers {
		out[n] = s.state(n)
	}
	return out, nil
}

func (s *Tracking) state(n string) tracking.State {
	tn := s.numbers[n]
	if tn == nil {
		return tracking.State{}
	}
	st := tracking.State{Notified: max(tn.notified, tn.movedNotified)}
	if tn.exists {
		st.Owner, st.Status, st.LatestKey, st.Sequence, st.Tag = tn.owner, tn.sh.Status, tn.latestKey, tn.sequence, tn.sh.Tag
		for _, c := range tn.pending {
			c.TrackingNumber, c.Carrier = n, tn.sh.Carrier
			st.Pending = append(st.Pending, c)
		}
	}
	return st
}

// Claim implements message.Tracking.
func (s *Tracking) Claim(_ context.Context, clientID string, numbers []string, known time.Time) (map[string]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	owners := make(map[string]string, len(numbers))
	for _, n := range numbers {
		tn := s.number(n)
		if !tn.exists || tn.owner == "" {
			c, _ := carrier.Detect(n)
			if !tn.firstKnownSet {
				tn.sh.FirstKnownAt, tn.firstKnownSet = known.UTC().Format(tracking.FirstKnownLayout), true
			}
			tn.exists, tn.owner, tn.sh.Carrier = true, clientID, c
		}
		owners[n] = tn.owner
	}
	return owners, nil
}

// Advance implements message.Tracking.
func (s *Tracking) Advance(_ context.Context, moves []tracking.Move) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var conflicts []string
	for _, m := range moves {
		if m.From.Owner == "" && m.Claim == "" {
			return nil, fmt.Errorf("move of %s: a number nobody owns moves only with a claim", m.TrackingNumber)
		}
	}
	for _, m := range moves {
		tn := s.number(m.TrackingNumber)
		// A number nobody owns moves only with a claim; an owned one
		// only from its owner's planned state.
		claims := m.From.Owner == "" && m.Claim != "" && tn.owner == "" && tn.sequence == 0
		if !claims && (tn.owner == "" || tn.owner != m.From.Owner || tn.sequence != m.From.Sequence) {
			conflicts = append(conflicts, m.TrackingNumber)
			continue
		}
		if claims {
			if !tn.firstKnownSet {
				tn.sh.FirstKnownAt, tn.firstKnownSet = m.Change().At.UTC().Format(tracking.FirstKnownLayout), true
			}
			tn.exists, tn.owner = true, m.Claim
		}
		tn.sh.Carrier, tn.sh.Status, tn.sh.UpdatedAt = m.Carrier, m.Event.Status, m.Event.Datetime
		tn.sh.Tag, tn.sh.Subtag = m.Event.Tag, m.Event.Subtag
		tn.latestKey, tn.sequence = tracking.EventKey(m.Event), m.Change().Sequence
		if m.Unsubscribed {
			tn.movedNotified = tn.sequence
		}
		tn.pending = make([]tracking.Change, len(m.Pending))
		for i, c := range m.Pending {
			// As read back from the table: event time from its datetime,
			// instants in UTC.
			c.Event.At, _ = tracking.ParseDatetime(c.Event.Datetime)
			c.At = c.At.UTC()
			tn.pending[i] = c
		}
	}
	return conflicts, nil
}

// Subscribers implements message.Tracking.
func (s *Tracking) Subscribers(_ context.Context, numbers []string, now time.Time) (map[string][]string, error) {
	wanted := make(map[string]bool, len(numbers))
	for _, n := range numbers {
		wanted[n] = true
	}
	out := map[string][]string{}
	if s.Associations == nil {
		return out, nil
	}
	for _, a := range s.Associations() {
		if wanted[a.TrackingNumber] && a.ExpiresAt.Unix() > now.Unix() && !slices.Contains(out[a.TrackingNumber], a.ProjectID) {
			out[a.TrackingNumber] = append(out[a.TrackingNumber], a.ProjectID)
		}
	}
	for _, projects := range out {
		slices.SortFunc(projects, strings.Compare)
	}
	return out, nil
}

// Notify implements message.Tracking: each change is a tracking.updated
// event (and a tracking.exception one when it enters Exception or
// AttemptFail) in the feed of every project subscribing its number.
func (s *Tracking) Notify(_ context.Context, subscribers map[string][]string, changes []tracking.Change, ttl time.Duration) error {
	s.mu.Lock()
	if s.Feed == nil {
		s.Feed = &Webhooks{}
	}
	feed := s.Feed
	s.mu.Unlock()
	feed.mu.Lock()
	defer feed.mu.Unlock()
	for _, c := range changes {
		for _, p := range subscribers[c.TrackingNumber] {
			for _, ev := range webhook.ChangeEvents(p, c) {
				feed.putEvent(ev, webhook.Ref{Type: ev.Type, Subject: c.TrackingNumber, At: c.At, Sequence: c.Sequence}, ttl)
			}
		}
	}
	return nil
}

// MarkNotified implements message.Tracking.
func (s *Tracking) MarkNotified(_ context.Context, sequences map[string]int, estimates map[string]*tracking.EstimatedDelivery) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for n, seq := range sequences {
		tn := s.number(n)
		tn.notified, tn.told = seq, nil
		if e := estimates[n]; e != nil {
			told := *e
			tn.told = &told
		}
	}
	return nil
}

var _ job.Tags = (*Tracking)(nil)

// CurrentTags implements job.Tags.
func (s *Tracking) CurrentTags(_ context.Context, numbers []string) (map[string]job.TagUpdate, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]job.TagUpdate{}
	for _, n := range numbers {
		if tn := s.numbers[n]; tn != nil && tn.sequence > 0 {
			out[n] = job.TagUpdate{TrackingNumber: n, Tag: string(tn.sh.Tag), Sequence: tn.sequence}
		}
	}
	return out, nil
}
