//go:build integration

package dynamo

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/job"
)

// Jobs adding, renewing and removing the same numbers at once, each
// delivered twice, as the processor decides them (a removal and a
// renewal only for numbers it read associated): every pair of entry and
// association agrees once they are all done.
func TestAdditionsRenewalsAndRemovalsRacingLeaveEveryPairAgreeing(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	base := time.Now().UTC().Truncate(time.Second)
	const project = "p-race"
	numbers := make([]string, 12)
	for i := range numbers {
		numbers[i] = dhlNumber(100 + i)
	}
	type actor struct {
		action job.Action
		id     string
		at     time.Time
	}
	var actors []actor
	for i := range 6 {
		a := actor{action: job.Add, id: fmt.Sprintf("job-%d", i), at: base.Add(time.Duration(i) * time.Second)}
		if i%3 == 2 {
			a.action = job.Remove
		}
		actors = append(actors, a, a) // each delivered twice, at once
	}
	run := func(a actor) error {
		existing, err := s.Jobs.Associations(ctx, project, numbers)
		if err != nil {
			return err
		}
		var add, renew []job.Association
		var remove []string
		for _, n := range numbers {
			cur, live := existing[n]
			live = live && !cur.Expired(a.at)
			switch {
			case a.action == job.Remove && live:
				remove = append(remove, n)
			case a.action == job.Add && live && cur.AddedBy != a.id:
				r := jobAssociation(project, n, a.id, a.at)
				r.AddedBy = ""
				renew = append(renew, r)
			case a.action == job.Add && !live:
				add = append(add, jobAssociation(project, n, a.id, a.at))
			}
		}
		if len(add) > 0 {
			if _, err := s.Jobs.AddAssociations(ctx, add); err != nil {
				return err
			}
		}
		return s.Jobs.Apply(ctx, project, renew, remove, a.at)
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(actors))
	for _, a := range actors {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// A delivery that found numbers claimed by a writer still
			// between its two writes fails, and the queue delivers it
			// again.
			for {
				err := run(a)
				if !errors.Is(err, errStillClaimed) {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	stored := agree(t, s, project, numbers...)
	subs, err := s.Tracking.Subscribers(ctx, numbers, base)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range numbers {
		if _, associated := stored[n]; associated != (len(subs[n]) == 1) {
			t.Fatalf("%s: associated %v, subscribers %v", n, associated, subs[n])
		}
	}
}
