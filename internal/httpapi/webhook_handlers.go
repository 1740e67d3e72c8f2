package httpapi

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/parcelgate/parcelgate/internal/page"
	"github.com/parcelgate/parcelgate/internal/webhook"
)

type webhookBody struct {
	WebhookID               string     `json:"webhookId"`
	URL                     string     `json:"url"`
	Events                  []string   `json:"events"`
	Enabled                 bool       `json:"enabled"`
	Description             string     `json:"description"`
	CreatedAt               time.Time  `json:"createdAt"`
	DisabledReason          string     `json:"disabledReason,omitempty"`
	DisabledAt              *time.Time `json:"disabledAt,omitempty"`
	Secret                  string     `json:"secret,omitempty"`
	PreviousSecretExpiresAt *time.Time `json:"previousSecretExpiresAt,omitempty"`
}

// newWebhookBody shows an endpoint without its secret: only creation and
// rotation show one, and they set it themselves.
func newWebhookBody(e webhook.Endpoint) webhookBody {
	b := webhookBody{WebhookID: e.ID, URL: e.URL, Events: e.Events, Enabled: e.Enabled, Description: e.Description,
		CreatedAt: e.CreatedAt.UTC().Truncate(time.Millisecond), DisabledReason: e.DisabledReason}
	if !e.DisabledAt.IsZero() {
		at := e.DisabledAt.UTC().Truncate(time.Millisecond)
		b.DisabledAt = &at
	}
	return b
}

type webhookInput struct {
	URL         *string   `json:"url"`
	Events      *[]string `json:"events"`
	Enabled     *bool     `json:"enabled"`
	Description *string   `json:"description"`
}

func (in webhookInput) input() webhook.Input {
	return webhook.Input{URL: in.URL, Events: in.Events, Enabled: in.Enabled, Description: in.Description}
}

func (a *API) createWebhook(w http.ResponseWriter, r *http.Request) error {
	var in webhookInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	projectID := r.PathValue("projectId")
	e, err := a.Webhooks.Create(r.Context(), caller(r), projectID, in.input())
	if err != nil {
		return err
	}
	body := newWebhookBody(e)
	body.Secret = e.Secret
	w.Header().Set("Location", "/v1/projects/"+projectID+"/webhooks/"+e.ID)
	writeJSON(w, http.StatusCreated, body)
	return nil
}

func (a *API) listWebhooks(w http.ResponseWriter, r *http.Request) error {
	got, err := a.Webhooks.List(r.Context(), caller(r), r.PathValue("projectId"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newPageBody(page.Page[webhook.Endpoint]{Items: got}, newWebhookBody))
	return nil
}

func (a *API) getWebhook(w http.ResponseWriter, r *http.Request) error {
	e, err := a.Webhooks.Get(r.Context(), caller(r), r.PathValue("projectId"), r.PathValue("webhookId"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newWebhookBody(e))
	return nil
}

func (a *API) updateWebhook(w http.ResponseWriter, r *http.Request) error {
	var in webhookInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	e, err := a.Webhooks.Update(r.Context(), caller(r), r.PathValue("projectId"), r.PathValue("webhookId"), in.input())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newWebhookBody(e))
	return nil
}

func (a *API) deleteWebhook(w http.ResponseWriter, r *http.Request) error {
	if err := a.Webhooks.Delete(r.Context(), caller(r), r.PathValue("projectId"), r.PathValue("webhookId")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) rotateWebhookSecret(w http.ResponseWriter, r *http.Request) error {
	e, err := a.Webhooks.Rotate(r.Context(), caller(r), r.PathValue("projectId"), r.PathValue("webhookId"))
	if err != nil {
		return err
	}
	expires := e.PreviousSecretExpiresAt.UTC().Truncate(time.Millisecond)
	writeJSON(w, http.StatusOK, struct {
		Secret                  string    `json:"secret"`
		PreviousSecretExpiresAt time.Time `json:"previousSecretExpiresAt"`
	}{e.Secret, expires})
	return nil
}

type attemptBody struct {
	EventID        string    `json:"eventId"`
	Type           string    `json:"type"`
	Attempt        int       `json:"attempt"`
	Status         string    `json:"status"`
	ResponseStatus *int      `json:"responseStatus"`
	DurationMs     int64     `json:"durationMs"`
	At             time.Time `json:"at"`
}

func newAttemptBody(a webhook.Attempt) attemptBody {
	b := attemptBody{EventID: a.EventID, Type: a.Type, Attempt: a.Attempt, Status: a.Status,
		DurationMs: a.Duration.Milliseconds(), At: a.At.UTC().Truncate(time.Millisecond)}
	if a.ResponseStatus != 0 {
		b.ResponseStatus = &a.ResponseStatus
	}
	return b
}

func (a *API) listWebhookAttempts(w http.ResponseWriter, r *http.Request) error {
	req, err := pageRequest(r)
	if err != nil {
		return err
	}
	got, err := a.Webhooks.Attempts(r.Context(), caller(r), r.PathValue("projectId"), r.PathValue("webhookId"), req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newPageBody(got, newAttemptBody))
	return nil
}

func (a *API) replayWebhook(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		EventID *string `json:"eventId"`
		Since   *string `json:"since"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if (in.EventID == nil) == (in.Since == nil) {
		return badRequest("send either eventId (one event) or since (every event from an RFC 3339 time)",
			FieldError{Field: "eventId", Message: "exactly one of eventId and since"})
	}
	var eventID string
	var since time.Time
	if in.EventID != nil {
		eventID = *in.EventID
		if eventID == "" {
			return badRequest("eventId must not be empty", FieldError{Field: "eventId", Message: "required"})
		}
	} else {
		t, err := time.Parse(time.RFC3339Nano, *in.Since)
		if err != nil {
			return badRequest("since must be an RFC 3339 time like 2026-01-02T15:04:05Z", FieldError{Field: "since", Message: "not an RFC 3339 time"})
		}
		since = t
	}
	if err := a.Webhooks.Replay(r.Context(), caller(r), r.PathValue("projectId"), r.PathValue("webhookId"), eventID, since); err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, map[string]string{"status": "accepted"})
	return nil
}

type eventBody struct {
	ID        string          `json:"id"`
	Type      string          `json:"type"`
	CreatedAt time.Time       `json:"createdAt"`
	Data      json.RawMessage `json:"data"`
}

func newEventBody(e webhook.Event) eventBody {
	return eventBody{ID: e.ID, Type: e.Type, CreatedAt: e.CreatedAt.UTC(), Data: e.Data}
}

func (a *API) listEvents(w http.ResponseWriter, r *http.Request) error {
	limit, err := queryLimit(r, pageLimits)
	if err != nil {
		return err
	}
	got, err := a.Webhooks.Feed(r.Context(), caller(r), r.PathValue("projectId"), page.Request{Cursor: r.URL.Query().Get("after"), Limit: limit})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newPageBody(got, newEventBody))
	return nil
}
