package task

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/parcelgate/parcelgate/internal/data"
	"github.com/parcelgate/parcelgate/internal/job"
	"github.com/parcelgate/parcelgate/internal/tracking"
)

// The task codes.
const (
	CodeRenewSubscriptions = "renewSubscriptions"
	CodeRefreshShipments   = "refreshShipments"
)

// delivered is the tracking status after which a shipment needs no
// subscription.
const delivered = "delivered"

// Records reads a project's records page by page.
type Records interface {
	ReadRecords(ctx context.Context, r data.Read) ([]data.Record, string, error)
}

// Associations are the project subscriptions of tracking numbers, as
// tracking-number jobs keep them.
type Associations interface {
	Associations(ctx context.Context, projectID string, numbers []string) (map[string]job.Association, error)
	AddAssociations(ctx context.Context, as []job.Association) ([]job.Association, error)
	Apply(ctx context.Context, projectID string, renew []job.Association, remove []string, at time.Time) error
}

// Events reads a number's tracking events, newest first.
type Events interface {
	Events(ctx context.Context, number string, limit int) ([]tracking.Event, error)
}

// Shipments reads and changes shipment records.
type Shipments interface {
	Get(ctx context.Context, projectID string, e *data.Entity, code string) (data.Record, error)
	Update(ctx context.Context, projectID string, e *data.Entity, code string, w data.Write, ifMatch time.Time) (data.Record, error)
}

// Runners are the tasks parcelgate runs, for the entity shipment returns
// (the catalog's shipment entity, whose tracking number field is
// e.Tracks). It is asked for when a task runs, not when the runners are
// built: the default catalog is parsed on first use, and a function that
// builds the runners at cold start need not parse it before its first
// event.
func Runners(shipment func() *data.Entity, records Records, assoc Associations, events Events, shipments Shipments, now func() time.Time) map[string]Runner {
	return map[string]Runner{
		CodeRenewSubscriptions: renewSubscriptions(shipment, records, assoc, now),
		CodeRefreshShipments:   refreshShipments(shipment, records, events, shipments),
	}
}

func readPage(ctx context.Context, e *data.Entity, records Records, t Task) ([]data.Record, string, error) {
	return records.ReadRecords(ctx, data.Read{ProjectID: t.ProjectID, Entity: e, Index: data.ByCode, Cursor: t.Cursor, Limit: pageSize})
}

// renewSubscriptions renews, as a tracking-number job's ADD does, the
// association of every number of the project's shipments not yet
// delivered: 40 days from now, added again if it had expired.
func renewSubscriptions(shipment func() *data.Entity, records Records, assoc Associations, now func() time.Time) Runner {
	return func(ctx context.Context, t Task) (Counts, string, error) {
		e := shipment()
		recs, next, err := readPage(ctx, e, records, t)
		if err != nil {
			return Counts{}, "", err
		}
		c := Counts{Read: len(recs)}
		var numbers []string
		seen := map[string]bool{}
		for _, r := range recs {
			number := e.TrackingKey(r)
			status, _ := r.Values[data.FieldStatus].(string)
			if number == "" || strings.EqualFold(status, delivered) {
				c.Skipped++
				continue
			}
			if !seen[number] {
				seen[number] = true
				numbers = append(numbers, number)
			}
		}
		if len(numbers) == 0 {
			return c, next, nil
		}
		at := now().UTC()
		existing, err := assoc.Associations(ctx, t.ProjectID, numbers)
		if err != nil {
			return Counts{}, "", err
		}
		var renew, add []job.Association
		for _, n := range numbers {
			_, carrier, err := tracking.Identify(n)
			if err != nil {
				c.Skipped++
				continue
			}
			a := job.Association{ProjectID: t.ProjectID, TrackingNumber: n, Carrier: string(carrier), AddedAt: at, ExpiresAt: at.Add(job.AssociationTTL)}
			if cur, ok := existing[n]; ok && !cur.Expired(at) {
				renew = append(renew, a)
			} else {
				add = append(add, a)
			}
		}
		if len(add) > 0 {
			if _, err := assoc.AddAssociations(ctx, add); err != nil {
				return Counts{}, "", err
			}
		}
		if err := assoc.Apply(ctx, t.ProjectID, renew, nil, at); err != nil {
			return Counts{}, "", err
		}
		c.Changed += len(renew) + len(add)
		return c, next, nil
	}
}

// refreshAttempts bounds the retries of a shipment changed meanwhile.
const refreshAttempts = 4

// refreshShipments sets every shipment's status and statusDate to the
// newest event of its tracking number, where they differ.
func refreshShipments(shipment func() *data.Entity, records Records, events Events, shipments Shipments) Runner {
	return func(ctx context.Context, t Task) (Counts, string, error) {
		e := shipment()
		recs, next, err := readPage(ctx, e, records, t)
		if err != nil {
			return Counts{}, "", err
		}
		c := Counts{Read: len(recs)}
		for _, r := range recs {
			changed, ok, err := refreshOne(ctx, e, events, shipments, t.ProjectID, r)
			switch {
			case err != nil:
				return Counts{}, "", err
			case !ok:
				c.Skipped++
			case changed:
				c.Changed++
			}
		}
		return c, next, nil
	}
}

// refreshOne brings one shipment in line with its tracking data: ok is
// false when it has none.
func refreshOne(ctx context.Context, e *data.Entity, events Events, shipments Shipments, projectID string, r data.Record) (changed, ok bool, err error) {
	number := e.TrackingKey(r)
	if number == "" {
		return false, false, nil
	}
	evs, err := events.Events(ctx, number, 1)
	if err != nil || len(evs) == 0 || evs[0].At.IsZero() {
		return false, false, err
	}
	ev := evs[0]
	// Stored at srvDateUTC's resolution (7 digits), as tracking events move it.
	at := ev.At.UTC().Truncate(100 * time.Nanosecond)
	for attempt := 1; ; attempt++ {
		status, _ := r.Values[data.FieldStatus].(string)
		date, _ := r.Values[data.FieldStatusDate].(time.Time)
		if status == ev.Status && date.Equal(at) {
			return false, true, nil
		}
		_, err := shipments.Update(ctx, projectID, e, r.Code, data.Write{Values: map[string]any{data.FieldStatus: ev.Status, data.FieldStatusDate: at}}, r.SrvDateUTC)
		switch {
		case err == nil:
			return true, true, nil
		case errors.Is(err, data.ErrNotFound):
			return false, false, nil // deleted meanwhile
		case !errors.Is(err, data.ErrChanged) || attempt == refreshAttempts:
			return false, false, err
		}
		if r, err = shipments.Get(ctx, projectID, e, r.Code); err != nil {
			if errors.Is(err, data.ErrNotFound) {
				return false, false, nil
			}
			return false, false, err
		}
	}
}
