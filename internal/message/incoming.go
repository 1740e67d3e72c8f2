package message

import (
	"encoding/json"
	"errors"
	"unicode/utf8"

	"github.com/parcelgate/parcelgate/internal/input"
	"github.com/parcelgate/parcelgate/internal/request"
)

// Limits of what a message may carry besides its payload. Together with
// MaxPayloadBytes they keep every stored message, and so every chunk of
// messages, far below DynamoDB's 400 KB item limit.
const (
	maxTypeLength   = 64
	maxErrorLength  = 300
	maxQuotedLength = 64
)

// DecodeIncoming reads one message of a request as sent (the request as a
// whole already passed input's strict JSON checks). It never fails: a
// message that cannot be read comes back with Problems saying why, so it
// is Invalid and the others proceed.
func DecodeIncoming(raw []byte) Incoming {
	var m struct {
		MessageType       *string         `json:"messageType"`
		ExternalReference *string         `json:"externalReference"`
		Payload           json.RawMessage `json:"payload"`
	}
	if string(raw) == "null" {
		return Incoming{Problems: []string{"the message is null: send an object with messageType and payload"}}
	}
	if err := input.UnmarshalObject(raw, &m); err != nil {
		var bad *input.Error
		if errors.As(err, &bad) {
			field := bad.Field
			if field == "(body)" {
				field = "the message"
			}
			return Incoming{Problems: []string{field + " " + bad.Message}}
		}
		return Incoming{Problems: []string{"the message cannot be read"}}
	}
	in := Incoming{Payload: m.Payload}
	if m.MessageType != nil {
		in.MessageType = *m.MessageType
	}
	if m.ExternalReference != nil {
		in.ExternalReference = *m.ExternalReference
	}
	return in
}

// forStorage is m as it may be stored: an Invalid message keeps no
// payload (nothing will apply it) and only the type and reference that
// fit the limits and the text rules; errors are clipped.
func forStorage(m request.Message) request.Message {
	if m.Status != request.Invalid {
		return m
	}
	m.Payload = ""
	if len(m.Type) > maxTypeLength || input.CheckText("", m.Type, false) != nil {
		m.Type = ""
	}
	if len(m.ExternalReference) > maxReferenceLength || input.CheckText("", m.ExternalReference, false) != nil {
		m.ExternalReference = ""
	}
	for i, e := range m.Errors {
		m.Errors[i] = clip(e, maxErrorLength)
	}
	return m
}

// clip shortens s to at most n bytes on a character boundary, marking the cut.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
