// Package request holds the model every asynchronous submission shares
// (seed 003): a request holds messages, each with a status, and the
// request's summary counts its messages by status.
package request

// MessageStatus is the state of one message.
type MessageStatus string

// Message statuses.
const (
	Queued     MessageStatus = "Queued"
	Processing MessageStatus = "Processing"
	Cancelled  MessageStatus = "Cancelled"
	Failed     MessageStatus = "Failed"
	Invalid    MessageStatus = "Invalid"
	Complete   MessageStatus = "Complete"
)

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

// Status is the state of a whole request, derived from its summary: it is
// Queued or Processing while any message is, else Failed if any message
// failed, Cancelled if all were cancelled, and Complete otherwise.
func (s Summary) Status() MessageStatus {
	switch {
	case s.Processing > 0:
		return Processing
	case s.Queued > 0:
		return Queued
	case s.Failed > 0:
		return Failed
	case s.Total > 0 && s.Cancelled == s.Total:
		return Cancelled
	}
	return Complete
}

// Facet is a message type and status that occur together in a request.
// The tracker finds requests by facet, so a request is indexed under each.
type Facet struct {
	Type   string
	Status MessageStatus
}

// AnyType stands for every message type in a facet: searches by status
// alone use it.
const AnyType = "*"
