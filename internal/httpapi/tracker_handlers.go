package httpapi

import (
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/parcelgate/parcelgate/internal/input"
	"github.com/parcelgate/parcelgate/internal/tracker"
)

type trackerError struct {
	ErrorMessage string `json:"errorMessage"`
}

type trackerMessage struct {
	ID                string         `json:"id"`
	ExternalReference *string        `json:"externalReference"`
	MessageStatus     string         `json:"messageStatus"`
	MessageType       string         `json:"messageType"`
	ProcessedTime     *time.Time     `json:"processedTime"`
	Errors            []trackerError `json:"errors"`
}

type trackerRequest struct {
	ID                   string           `json:"id"`
	FeedID               string           `json:"feedId"`
	ClientName           string           `json:"clientName"`
	BatchReference       *string          `json:"batchReference"`
	ReceivedDate         time.Time        `json:"receivedDate"`
	ProcessedDate        *time.Time       `json:"processedDate"`
	RequestStatus        string           `json:"requestStatus"`
	MessageStatusSummary summaryBody      `json:"messageStatusSummary"`
	Payload              []trackerMessage `json:"payload"`
}

// summaryBody is the message gateway's messageStatusSummary.
type summaryBody struct {
	Total      int `json:"total"`
	Queued     int `json:"queued"`
	Processing int `json:"processing"`
	Cancelled  int `json:"cancelled"`
	Failed     int `json:"failed"`
	Invalid    int `json:"invalid"`
	Complete   int `json:"complete"`
}

type trackerPaging struct {
	Number        int `json:"number"`
	Size          int `json:"size"`
	TotalRequests int `json:"totalRequests"`
}

type trackerData struct {
	Search   json.RawMessage  `json:"search"`
	Paging   trackerPaging    `json:"paging"`
	Requests []trackerRequest `json:"requests"`
}

func (a *API) search(w http.ResponseWriter, r *http.Request) error {
	body, err := readJSONBody(r)
	if err != nil {
		return err
	}
	c, echo, err := tracker.Parse(body, a.Tracker.Now())
	var fe *input.Error
	if errors.As(err, &fe) {
		return err
	}
	clientID := identity(r.Context()).ClientID
	res, err := a.Tracker.Search(r.Context(), clientID, c)
	if err != nil {
		return err
	}
	data := trackerData{Search: echo, Paging: trackerPaging{Number: c.Page, Size: c.Size, TotalRequests: res.Total}, Requests: make([]trackerRequest, len(res.Requests))}
	for i, f := range res.Requests {
		req := f.Request
		out := trackerRequest{
			ID: req.ID, FeedID: clientID, ClientName: clientID, BatchReference: optional(req.BatchReference),
			ReceivedDate: *timestamp(req.ReceivedAt), ProcessedDate: timestamp(req.ProcessedAt),
			RequestStatus: string(req.Status()), MessageStatusSummary: summaryBody(req.Summary),
			Payload: make([]trackerMessage, len(f.Messages)),
		}
		for j, m := range f.Messages {
			errs := make([]trackerError, len(m.Errors))
			for k, e := range m.Errors {
				errs[k] = trackerError{ErrorMessage: e}
			}
			out.Payload[j] = trackerMessage{ID: m.ID, ExternalReference: optional(m.ExternalReference), MessageStatus: string(m.Status),
				MessageType: m.Type, ProcessedTime: timestamp(m.ProcessedAt), Errors: errs}
		}
		data.Requests[i] = out
	}
	writeJSON(w, http.StatusOK, envelope{Data: data, Success: true})
	return nil
}
