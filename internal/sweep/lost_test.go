package sweep_test

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/memory"
	"github.com/parcelgate/parcelgate/internal/sweep"
	"github.com/parcelgate/parcelgate/internal/sweep/sweeptest"
)

// fakesMu guards the fakes' records: a sweep handles its work concurrently.
var fakesMu sync.Mutex

type sentJobs []string

func (s *sentJobs) EnqueueJob(_ context.Context, id string) error {
	fakesMu.Lock()
	defer fakesMu.Unlock()
	*s = append(*s, "job/"+id)
	return nil
}

func (s *sentJobs) EnqueueMessages(_ context.Context, id string) error {
	fakesMu.Lock()
	defer fakesMu.Unlock()
	*s = append(*s, "messages/"+id)
	return nil
}

func (s *sentJobs) EnqueueImport(_ context.Context, id string) error {
	fakesMu.Lock()
	defer fakesMu.Unlock()
	*s = append(*s, "import/"+id)
	return nil
}

// After the queue lost its messages, every piece of unfinished work is
// sent again at once, however far its deadline; the next deadline counts
// from now, so a regular sweep right after finds nothing, and only the
// work already sent the most times is failed.
func TestSweepLostSendsAllUnfinishedWorkAgain(t *testing.T) {
	now := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	b := memory.NewBackend()
	index, work := b.Sweep, sweeptest.Stores{Jobs: b.Jobs, Requests: b.Requests, Tasks: b.Tasks}
	work.Open(t, sweep.Work{Kind: sweep.KindJob, ID: "queued", Due: sweep.Deadline(sweep.Waiting, now)})
	work.Open(t, sweep.Work{Kind: sweep.KindMessages, ID: "running", Due: sweep.Deadline(sweep.Running, now)})
	work.Open(t, sweep.Work{Kind: sweep.KindTask, ProjectID: "p1", ID: "task", Due: now.Add(45 * time.Minute)})
	work.Open(t, sweep.Work{Kind: sweep.KindJob, ID: "hopeless", Due: now.Add(time.Minute), Requeues: sweep.MaxRequeues})
	var sent sentJobs
	var tasks sentTasks
	var failed []string
	s := sweep.Service{Store: index, Queue: &sent, TaskQueue: &tasks,
		Jobs: sweep.FailFunc(func(_ context.Context, id, _ string) error {
			failed = append(failed, id)
			return nil
		}),
		Now: func() time.Time { return now }, Logger: slog.New(slog.DiscardHandler)}

	rep, err := s.SweepLost(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(sent)
	if rep != (sweep.Report{Requeued: 3, Failed: 1}) || !slices.Equal(sent, []string{"job/queued", "messages/running"}) ||
		!slices.Equal(tasks, sentTasks{"p1/task"}) || !slices.Equal(failed, []string{"hopeless"}) {
		t.Fatalf("report %+v, sent %v and %v, failed %v", rep, sent, tasks, failed)
	}
	if rep, err := s.Sweep(context.Background()); err != nil || rep != (sweep.Report{}) {
		t.Fatalf("a regular sweep right after: %+v, %v; want nothing due", rep, err)
	}
	due, err := index.Due(context.Background(), now.Add(sweep.WaitLimit), 10)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range due {
		if w.ID != "hopeless" && (w.Requeues != 1 || !w.Due.Equal(sweep.Deadline(sweep.Waiting, now))) {
			t.Errorf("%s sent again: %d sends, due %s; want 1, due %s", w.ID, w.Requeues, w.Due, sweep.Deadline(sweep.Waiting, now))
		}
	}
}
