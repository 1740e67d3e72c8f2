package httpapi

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/parcelgate/parcelgate/internal/input"
	"github.com/parcelgate/parcelgate/internal/job"
	"github.com/parcelgate/parcelgate/internal/page"
)

type jobCountsBody struct {
	Total         int `json:"total"`
	Added         int `json:"added"`
	Renewed       int `json:"renewed"`
	Removed       int `json:"removed"`
	Invalid       int `json:"invalid"`
	Duplicate     int `json:"duplicate"`
	NotAssociated int `json:"notAssociated"`
	Failed        int `json:"failed"`
}

type jobMessageBody struct {
	Level string `json:"level"`
	Code  string `json:"code"`
	Text  string `json:"text"`
}

type jobBody struct {
	JobID             string           `json:"jobId"`
	Action            string           `json:"action"`
	Status            string           `json:"status"`
	ExternalReference *string          `json:"externalReference"`
	CreatedAt         time.Time        `json:"createdAt"`
	StartedAt         *time.Time       `json:"startedAt"`
	CompletedAt       *time.Time       `json:"completedAt"`
	Counts            jobCountsBody    `json:"counts"`
	Messages          []jobMessageBody `json:"messages"`
}

// timestamp renders a time as the API does, and a zero time as null.
func timestamp(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC().Truncate(time.Millisecond)
	return &t
}

// optional renders an empty string as null.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func newJobBody(j job.Job) jobBody {
	msgs := []jobMessageBody{}
	for _, m := range j.Messages() {
		msgs = append(msgs, jobMessageBody(m))
	}
	return jobBody{
		JobID: j.ID, Action: string(j.Action), Status: string(j.Status),
		ExternalReference: optional(j.ExternalReference), CreatedAt: *timestamp(j.CreatedAt),
		StartedAt: timestamp(j.StartedAt), CompletedAt: timestamp(j.CompletedAt),
		Counts: jobCountsBody(j.Counts), Messages: msgs,
	}
}

type submitRequest struct {
	Action          *string `json:"action"`
	TrackingNumbers []*struct {
		TrackingNumber *string `json:"trackingNumber"`
		Carrier        *string `json:"carrier"`
	} `json:"trackingNumbers"`
	ExternalReference *string `json:"externalReference"`
}

// idempotencyKey reads the header, an id like any other (it becomes part
// of a key).
func idempotencyKey(r *http.Request) (string, error) {
	key := r.Header.Get("Idempotency-Key")
	if len(key) > input.MaxIDBytes {
		return "", badRequest(fmt.Sprintf("Idempotency-Key is at most %d characters", input.MaxIDBytes), FieldError{Field: "Idempotency-Key", Message: "too long"})
	}
	for _, c := range key {
		if c < 0x21 || c > 0x7e {
			return "", badRequest("Idempotency-Key must be printable ASCII without spaces", FieldError{Field: "Idempotency-Key", Message: "invalid character"})
		}
	}
	return key, nil
}

// readSubmission reads a job submission: the Idempotency-Key header and
// the strict JSON body.
func readSubmission(r *http.Request) (job.Submission, error) {
	key, err := idempotencyKey(r)
	if err != nil {
		return job.Submission{}, err
	}
	var req submitRequest
	if err := decodeJSON(r, &req); err != nil {
		return job.Submission{}, err
	}
	if req.Action == nil {
		return job.Submission{}, badRequest("action is required: ADD or REMOVE", FieldError{Field: "action", Message: "required"})
	}
	sub := job.Submission{Action: job.Action(*req.Action), IdempotencyKey: key, Items: make([]job.Item, len(req.TrackingNumbers))}
	for i, tn := range req.TrackingNumbers {
		if tn == nil || tn.TrackingNumber == nil {
			return job.Submission{}, badRequest("every entry needs a trackingNumber", FieldError{Field: "trackingNumbers[].trackingNumber", Message: "required"})
		}
		sub.Items[i].TrackingNumber = *tn.TrackingNumber
		if tn.Carrier != nil {
			sub.Items[i].Carrier = *tn.Carrier
		}
	}
	if req.ExternalReference != nil {
		sub.ExternalReference = *req.ExternalReference
	}
	return sub, nil
}

func (a *API) submitJob(w http.ResponseWriter, r *http.Request) error {
	sub, err := readSubmission(r)
	if err != nil {
		return err
	}
	projectID := r.PathValue("projectId")
	j, err := a.Jobs.Submit(r.Context(), caller(r), projectID, sub)
	var notQueued *job.NotQueuedError
	if errors.As(err, &notQueued) {
		a.Logger.ErrorContext(r.Context(), "job not queued", "jobId", notQueued.Job.ID, "error", notQueued.Cause.Error())
		return &withBody{err, newJobBody(notQueued.Job)}
	}
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/v1/projects/"+projectID+"/tracking-number-jobs?jobId="+j.ID)
	writeJSON(w, http.StatusAccepted, newJobBody(j))
	return nil
}

func (a *API) listJobs(w http.ResponseWriter, r *http.Request) error {
	projectID := r.PathValue("projectId")
	jobID, err := queryID(r, "jobId")
	if err != nil {
		return err
	}
	if jobID != "" {
		j, err := a.Jobs.Get(r.Context(), caller(r), projectID, jobID)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, newPageBody(page.Page[job.Job]{Items: []job.Job{j}}, newJobBody))
		return nil
	}
	req, err := pageRequest(r)
	if err != nil {
		return err
	}
	got, err := a.Jobs.List(r.Context(), caller(r), projectID, req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newPageBody(got, newJobBody))
	return nil
}

type resultBody struct {
	TrackingNumber string  `json:"trackingNumber"`
	Carrier        *string `json:"carrier"`
	Outcome        string  `json:"outcome"`
	Message        *string `json:"message"`
}

type reportBody struct {
	JobID             string        `json:"jobId"`
	Status            string        `json:"status"`
	Action            string        `json:"action"`
	ExternalReference *string       `json:"externalReference"`
	CreatedAt         time.Time     `json:"createdAt"`
	CompletedAt       *time.Time    `json:"completedAt"`
	Counts            jobCountsBody `json:"counts"`
	Results           []resultBody  `json:"results"`
}

func (a *API) jobReport(w http.ResponseWriter, r *http.Request) error {
	j, results, err := a.Jobs.Report(r.Context(), caller(r), r.PathValue("projectId"), r.PathValue("jobId"))
	if errors.Is(err, job.ErrNotCompleted) {
		p := problemFor(err)
		p.Detail += "; it is " + string(j.Status)
		p.JobStatus = string(j.Status)
		return p
	}
	if err != nil {
		return err
	}
	body := reportBody{
		JobID: j.ID, Status: string(j.Status), Action: string(j.Action), ExternalReference: optional(j.ExternalReference),
		CreatedAt: *timestamp(j.CreatedAt), CompletedAt: timestamp(j.CompletedAt), Counts: jobCountsBody(j.Counts),
		Results: make([]resultBody, len(results)),
	}
	for i, res := range results {
		body.Results[i] = resultBody{TrackingNumber: res.TrackingNumber, Carrier: optional(res.Carrier), Outcome: string(res.Outcome), Message: optional(res.Message)}
	}
	writeJSON(w, http.StatusOK, body)
	return nil
}

type associationBody struct {
	TrackingNumber string    `json:"trackingNumber"`
	Carrier        string    `json:"carrier"`
	AddedAt        time.Time `json:"addedAt"`
	ExpiresAt      time.Time `json:"expiresAt"`
	JobID          *string   `json:"jobId"`
	Tag            string    `json:"tag"`
}

func newAssociationBody(a job.Association) associationBody {
	return associationBody{
		TrackingNumber: a.TrackingNumber, Carrier: a.Carrier, AddedAt: *timestamp(a.AddedAt),
		ExpiresAt: a.ExpiresAt.UTC(), JobID: optional(a.JobID), Tag: a.Tag,
	}
}

func (a *API) listNumbers(w http.ResponseWriter, r *http.Request) error {
	req, err := pageRequest(r)
	if err != nil {
		return err
	}
	got, err := a.Jobs.Numbers(r.Context(), caller(r), r.PathValue("projectId"), r.URL.Query().Get("tag"), req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newPageBody(got, newAssociationBody))
	return nil
}
