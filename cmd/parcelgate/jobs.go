package main

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/sync/errgroup"
	"golang.org/x/term"

	"github.com/parcelgate/parcelgate/internal/apiclient"
	"github.com/parcelgate/parcelgate/internal/apiclient/gen"
	"github.com/parcelgate/parcelgate/internal/bulk"
)

// concurrency is how many API calls a bulk submission makes at once:
// enough to hide latency, few enough not to be throttled.
const concurrency = 4

// progress is what a bulk submission reports to; a bar on a terminal.
type progress interface {
	Add(n int) error
	Describe(s string)
	Finish() error
}

type noProgress struct{}

func (noProgress) Add(int) error   { return nil }
func (noProgress) Describe(string) {}
func (noProgress) Finish() error   { return nil }

// newProgress draws a bar on stderr when stderr is a terminal, and
// nothing otherwise (logs and pipes get no control characters).
func newProgress(stderr io.Writer, total int) progress {
	f, ok := stderr.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return noProgress{}
	}
	return progressbar.NewOptions(total,
		progressbar.OptionSetWriter(stderr),
		progressbar.OptionShowCount(),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionOnCompletion(func() { fmt.Fprintln(stderr) }),
		progressbar.OptionSetPredictTime(true),
	)
}

// bulkRun is one submission of a file: each chunk's job, once known.
type bulkRun struct {
	client   *gen.ClientWithResponses
	project  string
	action   gen.JobAction
	chunks   []bulk.Chunk
	jobs     []gen.Job
	progress progress
	poll     time.Duration
}

// submit creates (or, on a rerun, finds again) every chunk's job.
func (b *bulkRun) submit(ctx context.Context) error {
	b.jobs = make([]gen.Job, len(b.chunks))
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(concurrency)
	for i, c := range b.chunks {
		g.Go(func() error {
			numbers := make([]gen.TrackingNumberInput, len(c.Rows))
			for k, r := range c.Rows {
				numbers[k] = gen.TrackingNumberInput{TrackingNumber: r.TrackingNumber, Carrier: omitEmpty(r.Carrier)}
			}
			r, err := b.client.SubmitTrackingNumberJobWithResponse(ctx, b.project,
				&gen.SubmitTrackingNumberJobParams{IdempotencyKey: omitEmpty(c.IdempotencyKey)},
				gen.SubmitTrackingNumberJobJSONRequestBody{Action: b.action, TrackingNumbers: numbers, ExternalReference: omitEmpty(c.ExternalReference)})
			if err == nil {
				var j *gen.Job
				if j, err = apiclient.Expect(r.JSON202, r); err == nil {
					b.jobs[i] = *j
				}
			}
			if err != nil {
				return fmt.Errorf("submitting rows %d-%d: %w", c.First+1, c.First+len(c.Rows), err)
			}
			return nil
		})
	}
	return g.Wait()
}

// wait polls the jobs until every one is COMPLETED or FAILED.
func (b *bulkRun) wait(ctx context.Context) error {
	done := make([]bool, len(b.jobs))
	for {
		pending := 0
		g, gctx := errgroup.WithContext(ctx)
		g.SetLimit(concurrency)
		for i := range b.jobs {
			if done[i] {
				continue
			}
			if finished(b.jobs[i]) {
				done[i] = true
				_ = b.progress.Add(len(b.chunks[i].Rows))
				continue
			}
			pending++
			g.Go(func() error {
				j, err := readJob(gctx, b.client, b.project, b.jobs[i].JobId)
				if err != nil {
					return fmt.Errorf("job %s: %w", b.jobs[i].JobId, err)
				}
				b.jobs[i] = j
				return nil
			})
		}
		if err := g.Wait(); err != nil {
			return err
		}
		if pending == 0 {
			return nil
		}
		b.progress.Describe(fmt.Sprintf("%d of %d jobs running", pending, len(b.jobs)))
		if err := sleepCtx(ctx, b.poll); err != nil {
			return err
		}
	}
}

// finished reports whether a job will change no more.
func finished(j gen.Job) bool {
	return j.Status == gen.JobStatusCOMPLETED || j.Status == gen.JobStatusFAILED
}

// readJob reads one job, found by its id in the project's list.
func readJob(ctx context.Context, c *gen.ClientWithResponses, project, id string) (gen.Job, error) {
	r, err := c.ListTrackingNumberJobsWithResponse(ctx, project, &gen.ListTrackingNumberJobsParams{JobId: &id})
	if err != nil {
		return gen.Job{}, err
	}
	page, err := apiclient.Expect(r.JSON200, r)
	if err != nil {
		return gen.Job{}, err
	}
	if len(page.Items) != 1 {
		return gen.Job{}, fmt.Errorf("the API returned %d jobs", len(page.Items))
	}
	return page.Items[0], nil
}

// omitEmpty is nil for "", for the API's optional members.
func omitEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// reportHeader is the merged report's header row.
var reportHeader = []string{"trackingNumber", "carrier", "outcome", "message", "jobId"}

// writeReport writes every row's outcome in the file's order. Rows of a
// FAILED job are FAILED: their job could not finish and they must be
// submitted again.
func (b *bulkRun) writeReport(ctx context.Context, w io.Writer) error {
	reports := make([]*gen.Report, len(b.jobs))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(concurrency)
	for i, j := range b.jobs {
		if j.Status != gen.JobStatusCOMPLETED {
			continue
		}
		g.Go(func() error {
			r, err := report(gctx, b.client, b.project, j.JobId)
			if err != nil {
				return fmt.Errorf("report of job %s: %w", j.JobId, err)
			}
			if len(r.Results) != len(b.chunks[i].Rows) {
				return fmt.Errorf("report of job %s has %d results for %d numbers", j.JobId, len(r.Results), len(b.chunks[i].Rows))
			}
			reports[i] = r
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(reportHeader); err != nil {
		return err
	}
	for i, j := range b.jobs {
		if j.Status != gen.JobStatusCOMPLETED {
			for _, row := range b.chunks[i].Rows {
				_ = cw.Write([]string{row.TrackingNumber, row.Carrier, "FAILED", "job " + j.JobId + " " + string(j.Status) + "; submit these numbers again", j.JobId})
			}
			continue
		}
		for _, r := range reports[i].Results {
			_ = cw.Write([]string{r.TrackingNumber, deref(r.Carrier), string(r.Outcome), deref(r.Message), j.JobId})
		}
	}
	cw.Flush()
	return cw.Error()
}

// jobsTable lists jobs with their counts.
func jobsTable(jobs []gen.Job) table {
	t := table{header: []string{"JOB", "STATUS", "TOTAL", "ADDED", "RENEWED", "REMOVED", "INVALID", "DUPLICATE", "NOT_ASSOCIATED", "FAILED"}, json: jobs}
	for _, j := range jobs {
		c := j.Counts
		t.rows = append(t.rows, []string{j.JobId, string(j.Status), itoa(c.Total), itoa(c.Added), itoa(c.Renewed), itoa(c.Removed),
			itoa(c.Invalid), itoa(c.Duplicate), itoa(c.NotAssociated), itoa(c.Failed)})
	}
	return t
}

func itoa(n int) string { return strconv.Itoa(n) }

// report reads a completed job's report.
func report(ctx context.Context, c *gen.ClientWithResponses, project, jobID string) (*gen.Report, error) {
	r, err := c.GetTrackingNumberJobReportWithResponse(ctx, project, jobID)
	if err != nil {
		return nil, err
	}
	return apiclient.Expect(r.JSON200, r)
}
