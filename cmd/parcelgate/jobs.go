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
	client   *apiclient.Client
	project  string
	action   string
	chunks   []bulk.Chunk
	jobs     []apiclient.Job
	progress progress
	poll     time.Duration
}

// submit creates (or, on a rerun, finds again) every chunk's job.
func (b *bulkRun) submit(ctx context.Context) error {
	b.jobs = make([]apiclient.Job, len(b.chunks))
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(concurrency)
	for i, c := range b.chunks {
		g.Go(func() error {
			numbers := make([]apiclient.Number, len(c.Rows))
			for k, r := range c.Rows {
				numbers[k] = apiclient.Number{TrackingNumber: r.TrackingNumber, Carrier: r.Carrier}
			}
			j, err := b.client.SubmitJob(ctx, b.project, c.IdempotencyKey,
				apiclient.Submission{Action: b.action, TrackingNumbers: numbers, ExternalReference: c.ExternalReference})
			if err != nil {
				return fmt.Errorf("submitting rows %d-%d: %w", c.First+1, c.First+len(c.Rows), err)
			}
			b.jobs[i] = j
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
			if b.jobs[i].Finished() {
				done[i] = true
				_ = b.progress.Add(len(b.chunks[i].Rows))
				continue
			}
			pending++
			g.Go(func() error {
				j, err := b.client.Job(gctx, b.project, b.jobs[i].JobID)
				if err != nil {
					return fmt.Errorf("job %s: %w", b.jobs[i].JobID, err)
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
	reports := make([]apiclient.Report, len(b.jobs))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(concurrency)
	for i, j := range b.jobs {
		if j.Status != "COMPLETED" {
			continue
		}
		g.Go(func() error {
			r, err := b.client.Report(gctx, b.project, j.JobID)
			if err != nil {
				return fmt.Errorf("report of job %s: %w", j.JobID, err)
			}
			if len(r.Results) != len(b.chunks[i].Rows) {
				return fmt.Errorf("report of job %s has %d results for %d numbers", j.JobID, len(r.Results), len(b.chunks[i].Rows))
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
		if j.Status != "COMPLETED" {
			for _, row := range b.chunks[i].Rows {
				_ = cw.Write([]string{row.TrackingNumber, row.Carrier, "FAILED", "job " + j.JobID + " " + j.Status + "; submit these numbers again", j.JobID})
			}
			continue
		}
		for _, r := range reports[i].Results {
			_ = cw.Write([]string{r.TrackingNumber, deref(r.Carrier), r.Outcome, deref(r.Message), j.JobID})
		}
	}
	cw.Flush()
	return cw.Error()
}

// jobsTable lists jobs with their counts.
func jobsTable(jobs []apiclient.Job) table {
	t := table{header: []string{"JOB", "STATUS", "TOTAL", "ADDED", "RENEWED", "REMOVED", "INVALID", "DUPLICATE", "NOT_ASSOCIATED", "FAILED"}, json: jobs}
	for _, j := range jobs {
		c := j.Counts
		t.rows = append(t.rows, []string{j.JobID, j.Status, itoa(c.Total), itoa(c.Added), itoa(c.Renewed), itoa(c.Removed),
			itoa(c.Invalid), itoa(c.Duplicate), itoa(c.NotAssociated), itoa(c.Failed)})
	}
	return t
}

func itoa(n int) string { return strconv.Itoa(n) }
