package systemtest

import (
	"sync"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/apitest"
)

// Twenty identical jobs of the same 1,000 numbers, submitted at once:
// each number is ADDED by exactly one of them and RENEWED by the others.
func TestJobConcurrentIdenticalAddsAddEachNumberOnce(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	_, token := e.Token(t, "acme")
	p := createProject(t, e, token, "stampede")
	// Ten jobs of the same 500 numbers at once: every number is claimed
	// by ten writers; more only makes DynamoDB Local slower, not the race
	// closer.
	const jobs, size = 10, 500
	ns := make([]number, size)
	for i := range ns {
		ns[i] = number{TrackingNumber: dhl(i)}
	}
	ids := make([]string, jobs)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			ids[i] = submit(t, e, token, p.ProjectID, "ADD", ns).JobID
		}()
	}
	close(start)
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	addedBy := map[string][]string{}
	var total counts
	for _, id := range ids {
		awaitLong(t, e, token, p.ProjectID, id)
		r := report(t, e, token, p.ProjectID, id)
		total.Added += r.Counts.Added
		total.Renewed += r.Counts.Renewed
		total.Total += r.Counts.Total
		for _, res := range r.Results {
			if res.Outcome == "ADDED" {
				addedBy[res.TrackingNumber] = append(addedBy[res.TrackingNumber], id)
			}
		}
	}
	if want := (counts{Total: jobs * size, Added: size, Renewed: (jobs - 1) * size}); total != want {
		t.Fatalf("counts over all jobs %+v, want %+v", total, want)
	}
	for _, n := range ns {
		if len(addedBy[n.TrackingNumber]) != 1 {
			t.Fatalf("%s ADDED by %v", n.TrackingNumber, addedBy[n.TrackingNumber])
		}
	}
}

// awaitLong waits for a job to complete under heavy load.
func awaitLong(t *testing.T, e *apitest.Env, token, projectID, jobID string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Minute)
	for {
		j := jobStatus(t, e, token, projectID, jobID)
		switch {
		case j.Status == "COMPLETED":
			return
		case j.Status == "FAILED" || time.Now().After(deadline):
			t.Fatalf("job %s is %s", jobID, j.Status)
		}
		time.Sleep(250 * time.Millisecond)
	}
}
