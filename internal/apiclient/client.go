// Package apiclient is a client of the parcelgate API for the command
// line: token handling, jobs, the tracking resource and the tracker, with
// 429 and 503 answers retried after the server's Retry-After.
package apiclient

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Client calls one parcelgate API.
type Client struct {
	BaseURL string
	HTTP    *http.Client
	// Token returns a valid access token; nil for public calls only.
	Token func(ctx context.Context) (string, error)
	// Forget, when set, drops the token the API refused (401), so the
	// call is made once more with a new one: tokens die before their
	// expiry when the signing key is rotated.
	Forget func()
}

// Error is an answer the API refused, with its message for a person.
type Error struct {
	Status int
	Code   string
	Detail string
}

func (e *Error) Error() string {
	msg := fmt.Sprintf("the API answered %d", e.Status)
	if e.Code != "" {
		msg += " " + e.Code
	}
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	return msg
}

// apiError reads whichever error body the route speaks: problem details,
// ShipX's bodies or the message gateway's envelope.
func apiError(status int, body []byte) *Error {
	var b struct {
		Code        string          `json:"code"`
		Detail      string          `json:"detail"`
		Message     string          `json:"message"`
		Description string          `json:"description"`
		Error       json.RawMessage `json:"error"`
	}
	e := &Error{Status: status}
	if json.Unmarshal(body, &b) != nil {
		e.Detail = strings.TrimSpace(string(body))
		if len(e.Detail) > 200 {
			e.Detail = e.Detail[:200] + "..."
		}
		return e
	}
	e.Code, e.Detail = b.Code, b.Detail
	var envelope struct{ Code, Message string }
	var code string
	switch {
	case json.Unmarshal(b.Error, &envelope) == nil && envelope.Code != "":
		e.Code, e.Detail = envelope.Code, envelope.Message
	case json.Unmarshal(b.Error, &code) == nil:
		e.Code = code
	}
	if e.Detail == "" {
		e.Detail = b.Message + b.Description
	}
	return e
}

// Do sends body (JSON) to path and decodes a 2xx answer into out (unless
// out is nil or a *[]byte, which receives the raw body).
func (c *Client) Do(ctx context.Context, method, path string, header http.Header, body, out any) error {
	var data []byte
	if body != nil {
		var err error
		if data, err = json.Marshal(body); err != nil {
			return err
		}
	}
	status, answer, err := c.send(ctx, method, path, header, data)
	if status == http.StatusUnauthorized && c.Forget != nil {
		c.Forget()
		status, answer, err = c.send(ctx, method, path, header, data)
	}
	if err != nil {
		return err
	}
	if status < 200 || status > 299 {
		return apiError(status, answer)
	}
	switch o := out.(type) {
	case nil:
		return nil
	case *[]byte:
		*o = answer
		return nil
	}
	if err := json.Unmarshal(answer, out); err != nil {
		return fmt.Errorf("unexpected answer from %s %s: %w", method, path, err)
	}
	return nil
}

// send makes one request and returns the status and body of the answer.
func (c *Client) send(ctx context.Context, method, path string, header http.Header, body []byte) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(c.BaseURL, "/")+path, rd)
	if err != nil {
		return 0, nil, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.Token != nil {
		token, err := c.Token(ctx)
		if err != nil {
			return 0, nil, err
		}
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("cannot reach %s: %w", c.BaseURL, unwrapURLError(err))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return resp.StatusCode, data, err
}

func unwrapURLError(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err
	}
	return err
}

// Counts are a job's per-outcome counts.
type Counts struct {
	Total         int `json:"total"`
	Added         int `json:"added"`
	Renewed       int `json:"renewed"`
	Removed       int `json:"removed"`
	Invalid       int `json:"invalid"`
	Duplicate     int `json:"duplicate"`
	NotAssociated int `json:"notAssociated"`
	Failed        int `json:"failed"`
}

// Job is a tracking-number job.
type Job struct {
	JobID             string     `json:"jobId"`
	Action            string     `json:"action"`
	Status            string     `json:"status"`
	ExternalReference *string    `json:"externalReference"`
	CreatedAt         time.Time  `json:"createdAt"`
	CompletedAt       *time.Time `json:"completedAt"`
	Counts            Counts     `json:"counts"`
}

// Finished reports whether the job will change no more.
func (j Job) Finished() bool { return j.Status == "COMPLETED" || j.Status == "FAILED" }

// Number is one tracking number of a submission.
type Number struct {
	TrackingNumber string `json:"trackingNumber"`
	Carrier        string `json:"carrier,omitempty"`
}

// Submission is a job to submit.
type Submission struct {
	Action            string   `json:"action"`
	TrackingNumbers   []Number `json:"trackingNumbers"`
	ExternalReference string   `json:"externalReference,omitempty"`
}

// SubmitJob submits a job; the same idempotency key and submission give
// back the same job.
func (c *Client) SubmitJob(ctx context.Context, projectID, idempotencyKey string, s Submission) (Job, error) {
	var j Job
	h := http.Header{}
	if idempotencyKey != "" {
		h.Set("Idempotency-Key", idempotencyKey)
	}
	err := c.Do(ctx, http.MethodPost, "/v1/projects/"+url.PathEscape(projectID)+"/tracking-number-jobs", h, s, &j)
	return j, err
}

// Job returns one job.
func (c *Client) Job(ctx context.Context, projectID, jobID string) (Job, error) {
	var page struct {
		Items []Job `json:"items"`
	}
	path := "/v1/projects/" + url.PathEscape(projectID) + "/tracking-number-jobs?jobId=" + url.QueryEscape(jobID)
	if err := c.Do(ctx, http.MethodGet, path, nil, nil, &page); err != nil {
		return Job{}, err
	}
	if len(page.Items) != 1 {
		return Job{}, fmt.Errorf("job %s: the API returned %d jobs", jobID, len(page.Items))
	}
	return page.Items[0], nil
}

// Result is one number's outcome in a job report.
type Result struct {
	TrackingNumber string  `json:"trackingNumber"`
	Carrier        *string `json:"carrier"`
	Outcome        string  `json:"outcome"`
	Message        *string `json:"message"`
}

// Report is a completed job's per-number report, in submission order.
type Report struct {
	JobID       string     `json:"jobId"`
	Status      string     `json:"status"`
	Action      string     `json:"action"`
	CreatedAt   time.Time  `json:"createdAt"`
	CompletedAt *time.Time `json:"completedAt"`
	Counts      Counts     `json:"counts"`
	Results     []Result   `json:"results"`
}

// Report returns a completed job's report.
func (c *Client) Report(ctx context.Context, projectID, jobID string) (Report, error) {
	var r Report
	path := "/v1/projects/" + url.PathEscape(projectID) + "/tracking-number-jobs/" + url.PathEscape(jobID) + "/report"
	err := c.Do(ctx, http.MethodGet, path, nil, nil, &r)
	return r, err
}

// TrackingEvent is one entry of a parcel's status history.
type TrackingEvent struct {
	Status       string  `json:"status"`
	OriginStatus *string `json:"origin_status"`
	Agency       *string `json:"agency"`
	Datetime     string  `json:"datetime"`
	Tag          string  `json:"tag"`
	Subtag       string  `json:"subtag"`
}

// Tracking is the public ShipX-compatible tracking resource.
type Tracking struct {
	TrackingNumber  string          `json:"tracking_number"`
	Type            string          `json:"type"`
	Service         string          `json:"service"`
	Status          string          `json:"status"`
	Tag             string          `json:"tag"`
	Subtag          string          `json:"subtag"`
	TrackingDetails []TrackingEvent `json:"tracking_details"`
	ExpectedFlow    []string        `json:"expected_flow"`
	CreatedAt       *string         `json:"created_at"`
	UpdatedAt       *string         `json:"updated_at"`
}

// Tracking returns a parcel's tracking resource and its raw JSON.
func (c *Client) Tracking(ctx context.Context, number string) (Tracking, []byte, error) {
	var raw []byte
	if err := c.Do(ctx, http.MethodGet, "/v1/tracking/"+url.PathEscape(number), nil, nil, &raw); err != nil {
		return Tracking{}, nil, err
	}
	var t Tracking
	err := json.Unmarshal(raw, &t)
	return t, raw, err
}

// SearchRequest is a tracker search (message gateway).
type SearchRequest struct {
	Search []Criterion `json:"search,omitempty"`
	Paging *Paging     `json:"paging,omitempty"`
	Sorts  []Sort      `json:"sorts,omitempty"`
}

// Criterion is one search condition; Value is a string or a list.
type Criterion struct {
	By    string `json:"by"`
	Value any    `json:"value"`
}

// Paging picks a page of results.
type Paging struct {
	Number int `json:"number"`
	Size   int `json:"size"`
}

// Sort orders results.
type Sort struct {
	By    string `json:"by"`
	Order string `json:"order"`
}

// Summary counts a request's messages by status.
type Summary struct {
	Total      int `json:"total"`
	Queued     int `json:"queued"`
	Processing int `json:"processing"`
	Cancelled  int `json:"cancelled"`
	Failed     int `json:"failed"`
	Invalid    int `json:"invalid"`
	Complete   int `json:"complete"`
}

// SearchResult is the tracker's answer.
type SearchResult struct {
	Paging struct {
		Number        int `json:"number"`
		Size          int `json:"size"`
		TotalRequests int `json:"totalRequests"`
	} `json:"paging"`
	Requests []struct {
		ID                   string  `json:"id"`
		BatchReference       *string `json:"batchReference"`
		ReceivedDate         string  `json:"receivedDate"`
		RequestStatus        string  `json:"requestStatus"`
		MessageStatusSummary Summary `json:"messageStatusSummary"`
	} `json:"requests"`
}

// Search runs a tracker search and returns its data and the raw data JSON.
func (c *Client) Search(ctx context.Context, s SearchRequest) (SearchResult, []byte, error) {
	var env struct {
		Data json.RawMessage `json:"data"`
	}
	if err := c.Do(ctx, http.MethodPost, "/v1/tracker", nil, s, &env); err != nil {
		return SearchResult{}, nil, err
	}
	var r SearchResult
	err := json.Unmarshal(env.Data, &r)
	return r, env.Data, err
}
