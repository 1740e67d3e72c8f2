package eddsim

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"sort"
	"strconv"
	"time"

	"github.com/parcelgate/parcelgate/internal/edd"
	"github.com/parcelgate/parcelgate/internal/job"
	"github.com/parcelgate/parcelgate/internal/message"
	"github.com/parcelgate/parcelgate/internal/tag"
	"github.com/parcelgate/parcelgate/internal/tracking"
)

// Options of an evaluation.
type Options struct {
	Seed    uint64
	Parcels int
	// Start and Span are when the parcels are shipped.
	Start time.Time
	Span  time.Duration
	// Scored is the share of the span, at its end, whose parcels are
	// scored; the ones before only teach.
	Scored float64
	// Window is how much of history one message request carries: events
	// are applied, and estimates made, at the window's end. Longer ones
	// make fewer requests, for a run over the wire, and estimates a little
	// later after pick-up.
	Window time.Duration
	// Progress, when set, is told how many windows of the run are done.
	Progress func(done, total int)
}

// DefaultOptions evaluate 50,000 parcels shipped over 16 weeks of
// autumn, Christmas included, scoring the last 20%.
func DefaultOptions() Options {
	return Options{Seed: 24, Parcels: 50000, Start: time.Date(2026, 9, 7, 0, 0, 0, 0, time.UTC), Span: 16 * week, Scored: 0.2, Window: time.Hour}
}

const week = 7 * 24 * time.Hour

// The projects following the parcels: project, a shop that has shipped
// with parcelgate for the whole period, and newProject, one that starts
// when the scored part begins, with no history at all. One parcel in
// newShopShare shipped from then on is the new shop's: its estimates
// are what a project's first weeks get, the standard table's (low
// confidence) until its deliveries make groups of its own.
const (
	project      = "eval"
	newProject   = "new"
	newShopShare = 10
)

// projectOf is the project following h; the new shop's parcels are
// picked by a hash of the number salted apart from silentHold's, so that
// the new shop's troubles are drawn as everyone's.
func projectOf(h *History, cutoff time.Time) string {
	if h.CreatedAt.Before(cutoff) {
		return project
	}
	f := fnv.New32a()
	f.Write([]byte("new shop " + h.Number))
	if f.Sum32()%newShopShare == 0 {
		return newProject
	}
	return project
}

// Run is what one evaluation measured.
type Run struct {
	Options                             Options
	Parcels, Scored, Delivered, Stopped int
	// Scores are of the estimates made at pick-up, the headline.
	Scores
	// Every scores every re-estimate of the scored parcels: one each time
	// a request brought events of the parcel, as the message path
	// re-estimates a parcel for its followers, from its first event to
	// its delivery.
	Every Scores
	// Oracle scores the oracle's estimates at pick-up (oracle.go): the
	// floor of any estimate's MAE.
	Oracle Score
	// NewShop is how many of the scored parcels the new project follows.
	NewShop int
	// ByBasis counts the learned estimates at pick-up per basis.
	ByBasis map[edd.Basis]int
	// Messages is how many messages went through the message path.
	Messages int
	// Stalls scores stall detection (stalls.go).
	Stalls Stalls
	// Points are the scored deliveries, each with its estimates at
	// pick-up; Reestimates every re-estimate of them, by number and time.
	Points, Reestimates []Point
}

// Point is one estimate of a scored delivery: when it was made, the
// learned and the standard table's, and when the parcel was delivered.
type Point struct {
	Number            string
	Made, Delivered   time.Time
	Learned, Standard edd.Estimate
}

// Coverage is the share of scored parcels whose estimate came from the
// project's own deliveries rather than the standard table.
func (r Run) Coverage() float64 {
	n := 0
	for b, c := range r.ByBasis {
		if b != edd.BasisStandard {
			n += c
		}
	}
	return ratio(float64(n), r.Scored)
}

type timed struct {
	at     time.Time
	number string
	in     message.Incoming
}

// messages are the histories as the message gateway receives them: a
// Shipment message when the label is made (with the lane in its custom
// attributes), then each scan, tagged by the sender.
func messages(hs []History) []timed {
	var out []timed
	for _, h := range hs {
		sh, _ := json.Marshal(map[string]any{"trackingNumber": h.Number, "type": h.Type, "service": h.Service,
			"createdAt": h.CreatedAt.Format(time.RFC3339), "customAttributes": map[string]string{
				edd.AttrOriginCountry: h.Origin, edd.AttrDestinationCountry: h.Destination, edd.AttrDestinationPostal: h.PostalCode}})
		out = append(out, timed{h.CreatedAt, h.Number, message.Incoming{MessageType: message.TypeShipment, ExternalReference: "s", Payload: sh}})
		for i, e := range h.Events {
			ev, _ := json.Marshal(map[string]string{"trackingNumber": h.Number, "status": e.Status,
				"datetime": e.At.Format(time.RFC3339), "tag": string(e.Tag)})
			out = append(out, timed{e.At, h.Number, message.Incoming{MessageType: message.TypeTrackingEvent, ExternalReference: strconv.Itoa(i), Payload: ev}})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].at.Before(out[j].at) })
	return out
}

// Evaluate generates the histories and injects them, window by window in
// time order, through the message service on backend b, with
// the clock at each window's end: deliveries teach their projects'
// aggregates as they happen. Each parcel shipped in the scored share of
// the span is estimated at the end of every window that brought events
// of it, from its project's aggregates as they are then (so from
// deliveries before it only), and by the standard table alone; both are
// scored against its delivery, at its pick-up (the headline) and over
// every re-estimate, beside the oracle's at pick-up. The same options
// give the same histories, so the same estimates, on any backend.
func Evaluate(ctx context.Context, o Options, b Backend) (Run, error) {
	window := o.Window
	if window <= 0 || o.Parcels <= 0 {
		return Run{}, fmt.Errorf("%d parcels in windows of %s: want some, in positive windows", o.Parcels, window)
	}
	hs := Generate(o.Seed, o.Parcels, o.Start, o.Span)
	cutoff := o.Start.Add(time.Duration((1 - o.Scored) * float64(o.Span)))
	byNumber := map[string]*History{}
	for i := range hs {
		byNumber[hs[i].Number] = &hs[i]
	}
	tr := b.Tracking
	resources := tracking.Service{Store: tr}
	learner := edd.Service{Store: b.Edd, Resources: resources}
	clock := o.Start
	ids := 0
	svc := message.Service{Store: b.Requests, Tracking: tr, Queue: noQueue{}, Deliveries: learner,
		Now: func() time.Time { return clock }, NewID: func() string { ids++; return "r" + strconv.Itoa(ids) }}

	msgs := messages(hs)
	run := Run{Options: o, Parcels: len(hs), Messages: len(msgs), ByBasis: map[edd.Basis]int{}}
	made := map[string]Point{}    // the estimates at pick-up
	every := map[string][]Point{} // and every one
	touched := map[string]bool{}  // scored parcels with events in the batch
	pickedUp := map[string]bool{} // those of them picked up in it
	end := msgs[len(msgs)-1].at
	total := int(end.Sub(o.Start)/window) + 1
	var learned map[string]edd.Aggregate // as the stall thresholds of the scored parcels see them
	// The project follows every parcel to the end of the run, however
	// long it takes: a backend that keeps an association from its first
	// batch and one that is told it again each batch then agree.
	followedUntil := end.Add(job.AssociationTTL)
	for w, i := 0, 0; i < len(msgs); w++ {
		clock = o.Start.Add(time.Duration(w+1) * window)
		if learned == nil && !clock.Before(cutoff) {
			var err error
			if learned, err = learnedAggregates(ctx, b.Edd, hs); err != nil {
				return Run{}, err
			}
		}
		j := i
		for j < len(msgs) && msgs[j].at.Before(clock) {
			j++
		}
		batch := msgs[i:j]
		i = j
		if o.Progress != nil && w%24 == 0 {
			o.Progress(w, total)
		}
		if len(batch) == 0 {
			continue
		}
		follow := make([]job.Association, 0, len(batch))
		for _, m := range batch {
			h := byNumber[m.number]
			follow = append(follow, job.Association{ProjectID: projectOf(h, cutoff), TrackingNumber: h.Number, Carrier: string(h.Carrier),
				AddedAt: h.CreatedAt, ExpiresAt: followedUntil})
			if m.in.MessageType == message.TypeTrackingEvent && !h.CreatedAt.Before(cutoff) {
				touched[h.Number] = true
				if _, done := made[h.Number]; !done && isPickup(m.in.Payload) {
					pickedUp[h.Number] = true
				}
			}
		}
		if err := b.Follow(ctx, follow); err != nil {
			return Run{}, err
		}
		for k := 0; k < len(batch); k += message.MaxMessages {
			part := batch[k:min(k+message.MaxMessages, len(batch))]
			in := make([]message.Incoming, len(part))
			for x, m := range part {
				in[x] = m.in
			}
			r, err := svc.Inject(ctx, "eval-sender", "w"+strconv.Itoa(w), in)
			if err != nil {
				return Run{}, err
			}
			if err := svc.Process(ctx, r.ID); err != nil {
				return Run{}, err
			}
			if err := allComplete(ctx, svc, r.ID); err != nil {
				return Run{}, err
			}
		}
		for n := range touched {
			res, err := resources.Get(ctx, n, tracking.MaxDetails)
			if err != nil {
				return Run{}, err
			}
			learned, ok, err := learner.Estimate(ctx, res, []string{projectOf(byNumber[n], cutoff)}, clock)
			if err != nil {
				return Run{}, err
			}
			pickup := pickedUp[n]
			delete(touched, n)
			delete(pickedUp, n)
			if !ok {
				continue // delivered
			}
			p := Point{Number: n, Made: clock, Learned: learned, Standard: edd.Standard(edd.SituationOf(res, clock))}
			every[n] = append(every[n], p)
			if pickup {
				made[n] = p
			}
		}
	}
	run.Stalls = scoreStalls(hs, cutoff, end, learned)
	for n, p := range made {
		h := byNumber[n]
		run.Scored++
		if projectOf(h, cutoff) == newProject {
			run.NewShop++
		}
		run.ByBasis[p.Learned.Basis]++
		if h.DeliveredAt.IsZero() {
			run.Stopped++
			continue
		}
		run.Delivered++
		p.Delivered = h.DeliveredAt
		run.Scores.add(p)
		run.Oracle.add(oracle(*h), h.DeliveredAt)
		run.Points = append(run.Points, p)
		for _, e := range every[n] {
			e.Delivered = h.DeliveredAt
			run.Every.add(e)
			run.Reestimates = append(run.Reestimates, e)
		}
	}
	sort.Slice(run.Points, func(i, j int) bool { return run.Points[i].Number < run.Points[j].Number })
	sort.SliceStable(run.Reestimates, func(i, j int) bool { return run.Reestimates[i].Number < run.Reestimates[j].Number })
	return run, nil
}

func isPickup(payload []byte) bool {
	var p struct {
		Tag string `json:"tag"`
	}
	_ = json.Unmarshal(payload, &p)
	return p.Tag == string(tag.InTransit)
}

// allComplete fails the run unless every message was applied: an
// evaluation of messages the path refused would measure nothing.
func allComplete(ctx context.Context, svc message.Service, id string) error {
	r, err := svc.Store.Request(ctx, id)
	if err != nil {
		return err
	}
	if s := r.Summary; s.Complete != s.Total {
		return fmt.Errorf("request %s: %+v (%s), want every message Complete", id, s, r.FailureReason)
	}
	return nil
}

type noQueue struct{}

func (noQueue) EnqueueMessages(context.Context, string) error { return nil }
