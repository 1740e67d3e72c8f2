package message

import (
	"bytes"
	"encoding/json"

	"github.com/parcelgate/parcelgate/internal/tracking"
)

// storedPayload is the form of a valid message's payload that may be
// stored: decoded and encoded again, so that only the fields of its type
// remain (a repeated key keeps the value that is applied), with the
// shipment's secure details stripped. Nothing else of a payload is ever
// written: an Invalid message's payload is dropped whole, since its
// secure details cannot be told apart from the rest.
func storedPayload(m Incoming) ([]byte, error) {
	var v any
	switch m.MessageType {
	case TypeTrackingEvent:
		v = new(eventPayload)
	case TypeServiceChange:
		v = new(serviceChangePayload)
	case TypeShipment:
		v = new(shipmentPayload)
	}
	if err := decodeExact(m.Payload, v); err != nil {
		return nil, err
	}
	if sh, ok := v.(*shipmentPayload); ok && sh.CustomAttributes != nil {
		sh.CustomAttributes = tracking.StripSecure(sh.CustomAttributes)
	}
	return json.Marshal(v)
}

// decodeExact decodes keeping numbers as written: custom attributes are
// shown as the caller sent them.
func decodeExact(payload []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.UseNumber()
	return dec.Decode(v)
}
