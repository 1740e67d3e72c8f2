package message

import (
	"context"
	"slices"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/parcelgate/parcelgate/internal/job"
	"github.com/parcelgate/parcelgate/internal/tracking"
)

// notify records the changes of all the request's numbers for the
// projects subscribing them, in shared writes, before the numbers are
// marked notified.
func (s Service) notify(ctx context.Context, subscribers map[string][]string, changes []tracking.Change) error {
	if len(changes) == 0 {
		return nil
	}
	if err := s.estimate(ctx, subscribers, changes); err != nil {
		return err
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
