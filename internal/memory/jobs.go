package memory

import (
	"context"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/parcelgate/parcelgate/internal/job"
	"github.com/parcelgate/parcelgate/internal/page"
	"github.com/parcelgate/parcelgate/internal/request"
	"github.com/parcelgate/parcelgate/internal/sweep"
	"github.com/parcelgate/parcelgate/internal/tag"
)

var _ job.Store = (*Jobs)(nil)

// Jobs is job.Store in memory: jobs with their numbers and results, and
// the projects' associations.
type Jobs struct {
	mu           sync.Mutex
	jobs         map[string]job.Job
	keys         map[string]string // idempotency key → job id
	items        map[string][]job.Item
	results      map[string][]job.Result
	associations map[string]map[string]job.Association // project → number →
}

// NewJobs returns an empty store.
func NewJobs() *Jobs {
	return &Jobs{
		jobs: map[string]job.Job{}, keys: map[string]string{}, items: map[string][]job.Item{},
		results: map[string][]job.Result{}, associations: map[string]map[string]job.Association{},
	}
}

func jobKey(clientID, projectID, key string) string {
	return clientID + "\x00" + projectID + "\x00" + key
}

// CreateJob implements job.Store.
func (s *Jobs) CreateJob(_ context.Context, j job.Job, items []job.Item) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := jobKey(j.ClientID, j.ProjectID, j.IdempotencyKey)
	if _, taken := s.keys[key]; taken && j.IdempotencyKey != "" {
		return job.ErrKeyTaken
	}
	if _, ok := s.jobs[j.ID]; ok {
		return fmt.Errorf("job %s exists", j.ID)
	}
	if j.IdempotencyKey != "" {
		s.keys[key] = j.ID
	}
	s.jobs[j.ID] = j
	s.items[j.ID] = slices.Clone(items)
	return nil
}

// JobByKey implements job.Store.
func (s *Jobs) JobByKey(ctx context.Context, clientID, projectID, key string) (job.Job, error) {
	s.mu.Lock()
	id, ok := s.keys[jobKey(clientID, projectID, key)]
	s.mu.Unlock()
	if !ok {
		return job.Job{}, job.ErrNotFound
	}
	return s.Job(ctx, id)
}

// Job implements job.Store.
func (s *Jobs) Job(_ context.Context, id string) (job.Job, error) {
	if j, ok := s.job(id); ok {
		return j, nil
	}
	return job.Job{}, job.ErrNotFound
}

func (s *Jobs) job(id string) (job.Job, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	j, ok := s.jobs[id]
	return j, ok
}

func (s *Jobs) all() []job.Job {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]job.Job, 0, len(s.jobs))
	for _, j := range s.jobs {
		out = append(out, j)
	}
	return out
}

// requestMessages is the job's numbers as messages (job.RequestMessages).
func (s *Jobs) requestMessages(id string) ([]request.Message, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	j, ok := s.jobs[id]
	if !ok {
		return nil, job.ErrNotFound
	}
	return job.RequestMessages(j, s.items[id], s.results[id]), nil
}

// Jobs implements job.Store.
func (s *Jobs) Jobs(_ context.Context, projectID string, now time.Time, req page.Request) (page.Page[job.Job], error) {
	after, err := parseJobCursor(projectID, req.Cursor)
	if err != nil {
		return page.Page[job.Job]{}, err
	}
	var list []job.Job
	for _, j := range s.all() {
		if j.ProjectID == projectID && !j.Expired(now) && (after == "" || jobPosition(j) < after) {
			list = append(list, j)
		}
	}
	slices.SortFunc(list, func(a, b job.Job) int { return strings.Compare(jobPosition(b), jobPosition(a)) })
	out := page.Page[job.Job]{Items: list[:min(len(list), jobPageLimit(req))]}
	if len(list) > len(out.Items) {
		out.NextCursor = jobCursor(projectID, jobPosition(out.Items[len(out.Items)-1]))
	}
	return out, nil
}

// jobPosition orders a project's jobs by creation, as DynamoDB's index does.
func jobPosition(j job.Job) string { return j.CreatedAt.UTC().Format(time.RFC3339Nano) + "#" + j.ID }

// jobCursor names the project and the position of the last entry shown,
// so that a cursor of one project cannot page through another.
func jobCursor(projectID, last string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(projectID + "\x00" + last))
}

// parseJobCursor returns the position a cursor of the project names.
func parseJobCursor(projectID, cursor string) (string, error) {
	if cursor == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	p, last, ok := strings.Cut(string(b), "\x00")
	if err != nil || !ok || p != projectID {
		return "", page.ErrBadCursor
	}
	return last, nil
}

func jobPageLimit(req page.Request) int {
	if req.Limit <= 0 || req.Limit > page.MaxLimit {
		return page.DefaultLimit
	}
	return req.Limit
}

// change applies update to a stored job whose status is one of from.
func (s *Jobs) change(id string, from []job.Status, update func(*job.Job)) (job.Job, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	j, ok := s.jobs[id]
	if !ok || !slices.Contains(from, j.Status) {
		return job.Job{}, job.ErrStatusConflict
	}
	update(&j)
	s.jobs[id] = j
	return j, nil
}

// SetStatus implements job.Store.
func (s *Jobs) SetStatus(_ context.Context, to job.Job, from ...job.Status) error {
	_, err := s.change(to.ID, from, func(j *job.Job) {
		j.Status, j.FailureReason, j.CompletedAt, j.SweepAt = to.Status, to.FailureReason, to.CompletedAt, to.SweepAt
	})
	return err
}

// Start implements job.Store.
func (s *Jobs) Start(_ context.Context, to job.Job, from ...job.Status) (time.Time, error) {
	j, err := s.change(to.ID, from, func(j *job.Job) {
		j.Status, j.SweepAt = to.Status, to.SweepAt
		if j.StartedAt.IsZero() {
			j.StartedAt = to.StartedAt
		}
	})
	return j.StartedAt, err
}

// Finish implements job.Store.
func (s *Jobs) Finish(_ context.Context, to job.Job) error {
	unfinished := []job.Status{job.Submitted, job.Accepted, job.NotAccepted, job.Queued, job.InProgress}
	_, err := s.change(to.ID, unfinished, func(j *job.Job) {
		j.Status, j.Counts, j.CompletedAt, j.SweepAt = to.Status, to.Counts, to.CompletedAt, time.Time{}
		if to.FailureReason != "" {
			j.FailureReason = to.FailureReason
		}
	})
	return err
}

// ClaimRequeue implements job.Store.
func (s *Jobs) ClaimRequeue(_ context.Context, w sweep.Work, next time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	j, ok := s.jobs[w.ID]
	if !ok {
		return sweep.ErrMoved
	}
	if err := requeue(&j.SweepAt, &j.Requeues, w, next); err != nil {
		return err
	}
	s.jobs[w.ID] = j
	return nil
}

// open lists the jobs with a deadline: those not finished.
func (s *Jobs) open() []sweep.Work {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []sweep.Work
	for _, j := range s.jobs {
		if !j.SweepAt.IsZero() {
			out = append(out, sweep.Work{Kind: sweep.KindJob, ID: j.ID, Due: j.SweepAt.UTC(), Requeues: j.Requeues})
		}
	}
	return out
}

// Items implements job.Store.
func (s *Jobs) Items(_ context.Context, j job.Job) ([]job.Item, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.items[j.ID]), nil
}

// SaveResults implements job.Store.
func (s *Jobs) SaveResults(_ context.Context, j job.Job, results []job.Result) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.results[j.ID]; ok {
		return job.ErrResultsExist
	}
	s.results[j.ID] = slices.Clone(results)
	return nil
}

// Results implements job.Store.
func (s *Jobs) Results(_ context.Context, j job.Job) ([]job.Result, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.results[j.ID]), nil
}

// Associations implements job.Store.
func (s *Jobs) Associations(_ context.Context, projectID string, numbers []string) (map[string]job.Association, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]job.Association{}
	for _, n := range numbers {
		if a, ok := s.associations[projectID][n]; ok {
			out[n] = readAssociation(a)
		}
	}
	return out, nil
}

// AddAssociations implements job.Store.
func (s *Jobs) AddAssociations(_ context.Context, as []job.Association) ([]job.Association, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]job.Association, len(as))
	for i, a := range as {
		project := s.project(a.ProjectID)
		if old, ok := project[a.TrackingNumber]; ok && !old.Expired(a.AddedAt) {
			out[i] = old
			continue
		}
		project[a.TrackingNumber] = a
		out[i] = a
	}
	return out, nil
}

// readAssociation is a as the table reads it back: an association stored
// without a tag (a record's subscription) reads as Pending.
func readAssociation(a job.Association) job.Association {
	if a.Tag == "" {
		a.Tag = string(tag.Pending)
	}
	return a
}

// Subscribe stores a, replacing the association of its number, as a
// record following the number does (Records.Subscribe).
func (s *Jobs) Subscribe(a job.Association) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.project(a.ProjectID)[a.TrackingNumber] = a
}

func (s *Jobs) project(id string) map[string]job.Association {
	if s.associations[id] == nil {
		s.associations[id] = map[string]job.Association{}
	}
	return s.associations[id]
}

// AllAssociations lists every stored association, expired ones too: what
// Tracking.Associations and Expiries.Associations read, so the three
// stores work over the same data.
func (s *Jobs) AllAssociations() []job.Association {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []job.Association
	for _, project := range s.associations {
		for _, a := range project {
			out = append(out, a)
		}
	}
	return out
}

// SetTags implements job.Store.
func (s *Jobs) SetTags(_ context.Context, updates []job.TagUpdate) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, u := range updates {
		a, ok := s.associations[u.ProjectID][u.TrackingNumber]
		if ok && a.TagSequence < u.Sequence {
			a.Tag, a.TagSequence = u.Tag, u.Sequence
			s.associations[u.ProjectID][u.TrackingNumber] = a
		}
	}
	return nil
}

// Apply implements job.Store.
func (s *Jobs) Apply(_ context.Context, projectID string, renew []job.Association, remove []string, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	project := s.project(projectID)
	for _, a := range renew {
		old, ok := project[a.TrackingNumber]
		if !ok || !old.ExpiresAt.Before(a.ExpiresAt) {
			continue
		}
		old.Carrier, old.AddedAt, old.ExpiresAt, old.JobID = a.Carrier, a.AddedAt, a.ExpiresAt, a.JobID
		project[a.TrackingNumber] = old
	}
	for _, n := range remove {
		if old, ok := project[n]; ok && !old.AddedAt.After(at) {
			delete(project, n)
		}
	}
	return nil
}

// Abandon implements job.Store: each association is written at once
// here, so no job leaves one half written.
func (s *Jobs) Abandon(context.Context, job.Job, []string) error { return nil }

// Associated implements job.Store.
func (s *Jobs) Associated(_ context.Context, projectID string, now time.Time, tag string, req page.Request) (page.Page[job.Association], error) {
	after, err := parseJobCursor(projectID, req.Cursor)
	if err != nil {
		return page.Page[job.Association]{}, err
	}
	s.mu.Lock()
	var list []job.Association
	for n, a := range s.associations[projectID] {
		if !a.Expired(now) && n > after && (tag == "" || a.Tag == tag) {
			list = append(list, readAssociation(a))
		}
	}
	s.mu.Unlock()
	slices.SortFunc(list, func(a, b job.Association) int { return strings.Compare(a.TrackingNumber, b.TrackingNumber) })
	out := page.Page[job.Association]{Items: list[:min(len(list), jobPageLimit(req))]}
	if len(list) > len(out.Items) {
		out.NextCursor = jobCursor(projectID, out.Items[len(out.Items)-1].TrackingNumber)
	}
	return out, nil
}
