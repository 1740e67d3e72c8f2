package httpapi

import (
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/parcelgate/parcelgate/internal/input"
	"github.com/parcelgate/parcelgate/internal/message"
	"github.com/parcelgate/parcelgate/internal/request"
)

// envelope is the message gateway's body for POST responses: data, error, success.
type envelope struct {
	Data    any            `json:"data"`
	Error   *envelopeError `json:"error"`
	Success bool           `json:"success"`
}

type envelopeError struct {
	Code    string  `json:"code"`
	Message string  `json:"message"`
	Field   *string `json:"field"`
}

// writeEnvelopeError answers in the message gateway's envelope, with the status and
// code the error maps to everywhere else.
func writeEnvelopeError(w http.ResponseWriter, r *http.Request, err error) {
	p := loggedProblem(r, err)
	setRetryAfter(w, p)
	e := &envelopeError{Code: p.Code, Message: p.Detail}
	if len(p.Errors) > 0 {
		e.Field = &p.Errors[0].Field
	}
	writeJSON(w, p.Status, envelope{Error: e})
}

// injectRequest keeps each message raw: one that cannot be read is that
// message Invalid (message.DecodeIncoming), not the request refused.
type injectRequest struct {
	BatchReference *string           `json:"batchReference"`
	Messages       []json.RawMessage `json:"messages"`
}

type acceptedBody struct {
	ID             string    `json:"id"`
	BatchReference string    `json:"batchReference"`
	ReceivedDate   time.Time `json:"receivedDate"`
	RequestStatus  string    `json:"requestStatus"`
}

func (a *API) injectMessages(w http.ResponseWriter, r *http.Request) error {
	var req injectRequest
	data, err := readJSONBody(r)
	if err == nil {
		err = input.UnmarshalObject(data, &req)
	}
	if err != nil {
		return err
	}
	ref := ""
	if req.BatchReference != nil {
		ref = *req.BatchReference
	}
	in := make([]message.Incoming, len(req.Messages))
	for i, raw := range req.Messages {
		in[i] = message.DecodeIncoming(raw)
	}
	got, err := a.Messages.Inject(r.Context(), identity(r.Context()).ClientID, ref, in)
	var notQueued *message.NotQueuedError
	if errors.As(err, &notQueued) {
		a.Logger.ErrorContext(r.Context(), "request not queued", "requestId", notQueued.Request.ID, "error", notQueued.Cause.Error())
		p := problemFor(err)
		return &withBody{err, envelope{Data: acceptedBody{
			ID: got.ID, BatchReference: got.BatchReference, ReceivedDate: *timestamp(got.ReceivedAt), RequestStatus: string(got.Summary.Status()),
		}, Error: &envelopeError{Code: p.Code, Message: p.Detail}}}
	}
	if err != nil {
		return err
	}
	// Accepted means queued, even when every message was Invalid: the
	// processor still closes the request.
	writeJSON(w, http.StatusAccepted, envelope{Success: true, Data: acceptedBody{
		ID: got.ID, BatchReference: got.BatchReference, ReceivedDate: *timestamp(got.ReceivedAt), RequestStatus: string(request.Queued),
	}})
	return nil
}

type unmappedBody struct {
	Carrier      string    `json:"carrier"`
	Status       string    `json:"status"`
	OriginStatus *string   `json:"originStatus"`
	Count        int       `json:"count"`
	Example      string    `json:"exampleTrackingNumber"`
	LastSeenAt   time.Time `json:"lastSeenAt"`
}

// listUnmappedStatuses lists the raw statuses of the caller's messages
// that no mapping table knows, most frequent first: what to map next.
func (a *API) listUnmappedStatuses(w http.ResponseWriter, r *http.Request) error {
	list, err := a.Messages.UnmappedStatuses(r.Context(), identity(r.Context()).ClientID)
	if err != nil {
		return err
	}
	items := make([]unmappedBody, len(list))
	for i, u := range list {
		items[i] = unmappedBody{Carrier: string(u.Carrier), Status: u.Status, OriginStatus: optional(u.OriginStatus),
			Count: u.Count, Example: u.Example, LastSeenAt: u.LastSeen.UTC()}
	}
	writeJSON(w, http.StatusOK, struct {
		Items []unmappedBody `json:"items"`
	}{items})
	return nil
}
