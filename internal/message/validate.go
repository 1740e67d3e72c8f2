package message

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/parcelgate/parcelgate/internal/input"
	"github.com/parcelgate/parcelgate/internal/tag"
	"github.com/parcelgate/parcelgate/internal/tracking"
)

type eventPayload struct {
	TrackingNumber string  `json:"trackingNumber"`
	Status         string  `json:"status"`
	OriginStatus   *string `json:"originStatus"`
	Agency         *string `json:"agency"`
	Datetime       string  `json:"datetime"`
	// Tag and Subtag, when the sender gives them, are the status in the
	// one status language, instead of what the mapping tables would say.
	Tag    *string `json:"tag,omitempty"`
	Subtag *string `json:"subtag,omitempty"`
	// EstimatedDelivery is the carrier's own estimate, when it sends
	// one: a date, or a date-time (carrierDates).
	EstimatedDelivery *string `json:"estimatedDelivery,omitempty"`
}

type shipmentPayload struct {
	TrackingNumber   string         `json:"trackingNumber"`
	Type             string         `json:"type"`
	Service          string         `json:"service"`
	CustomAttributes map[string]any `json:"customAttributes"`
	CreatedAt        string         `json:"createdAt"`
	ExpectedFlow     []string       `json:"expectedFlow"`
}

type serviceChangePayload struct {
	TrackingNumber string `json:"trackingNumber"`
	Service        string `json:"service"`
	Datetime       string `json:"datetime"`
}

// problems collects what is wrong with one message.
type problems []string

func (p *problems) addf(format string, args ...any) {
	if len(*p) < maxErrorsPerMessage {
		*p = append(*p, fmt.Sprintf(format, args...))
	}
}

func decodeStrict(payload []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// checkTag checks a tag and subtag a sender gave: each from the list
// (docs/tags.md), and the subtag one of the tag's.
func checkTag(p *problems, t, sub *string) {
	var parsed tag.Tag
	if t != nil {
		var ok bool
		if parsed, ok = tag.ParseTag(*t); !ok {
			p.addf("tag %q is not a tag: use one of %s", clip(*t, maxQuotedLength), tag.List())
		}
	}
	if sub == nil {
		return
	}
	st, ok := tag.ParseSubtag(*sub)
	switch {
	case !ok:
		p.addf("subtag %q is not a subtag: the Subtag schema of /openapi.yaml lists them", clip(*sub, maxQuotedLength))
	case parsed != "" && st.Tag() != parsed:
		p.addf("subtag %s belongs to tag %s, not %s", st, st.Tag(), parsed)
	}
}

// validate checks one message; no problems means it can be applied.
func validate(in Incoming) problems {
	var p problems
	for _, msg := range in.Problems {
		p.addf("%s", msg)
	}
	if len(p) > 0 {
		return p
	}
	if len(in.ExternalReference) > maxReferenceLength {
		p.addf("externalReference is longer than %d characters", maxReferenceLength)
	} else if err := input.CheckText("externalReference", in.ExternalReference, false); err != nil {
		p.addf("%s", err)
	}
	if in.MessageType == "" {
		p.addf("messageType is required: %s, %s or %s", TypeTrackingEvent, TypeShipment, TypeServiceChange)
		return p
	}
	if len(in.Payload) == 0 || string(in.Payload) == "null" {
		p.addf("payload is required: an object shaped by the messageType")
		return p
	}
	if len(in.Payload) > MaxPayloadBytes {
		p.addf("payload is larger than %d bytes (it has %d)", MaxPayloadBytes, len(in.Payload))
		return p
	}
	if err := input.CheckJSONText(in.Payload, true); err != nil {
		p.addf("payload.%s", err)
		return p
	}
	switch in.MessageType {
	case TypeTrackingEvent:
		var ev eventPayload
		if err := decodeStrict(in.Payload, &ev); err != nil {
			p.addf("payload: %s", jsonError(err))
			return p
		}
		checkNumber(&p, ev.TrackingNumber)
		checkText(&p, "status", ev.Status, maxStatusLength, true)
		if ev.OriginStatus != nil {
			checkText(&p, "originStatus", *ev.OriginStatus, maxStatusLength, false)
		}
		if ev.Agency != nil {
			checkText(&p, "agency", *ev.Agency, maxAgencyLength, false)
		}
		checkTag(&p, ev.Tag, ev.Subtag)
		checkDatetime(&p, "datetime", ev.Datetime, true)
		if ev.EstimatedDelivery != nil {
			checkCarrierDate(&p, *ev.EstimatedDelivery)
		}
	case TypeShipment:
		var sh shipmentPayload
		if err := decodeStrict(in.Payload, &sh); err != nil {
			p.addf("payload: %s", jsonError(err))
			return p
		}
		checkNumber(&p, sh.TrackingNumber)
		if !tracking.KnownType(sh.Type) {
			p.addf("type %q is not a known shipment type (see GET /v1/tracking/flow/{shipment_type})", clip(sh.Type, maxQuotedLength))
		}
		checkText(&p, "service", sh.Service, maxServiceNameLength, false)
		checkDatetime(&p, "createdAt", sh.CreatedAt, false)
		for _, s := range sh.ExpectedFlow {
			checkText(&p, "expectedFlow[]", s, maxStatusLength, true)
		}
	case TypeServiceChange:
		var sc serviceChangePayload
		if err := decodeStrict(in.Payload, &sc); err != nil {
			p.addf("payload: %s", jsonError(err))
			return p
		}
		checkNumber(&p, sc.TrackingNumber)
		checkText(&p, "service", sc.Service, maxServiceNameLength, true)
		checkDatetime(&p, "datetime", sc.Datetime, true)
	default:
		p.addf("messageType %q is not one of %s, %s, %s", clip(in.MessageType, maxQuotedLength), TypeTrackingEvent, TypeShipment, TypeServiceChange)
	}
	return p
}

func checkNumber(p *problems, n string) {
	if n == "" {
		p.addf("trackingNumber is required")
		return
	}
	if _, _, err := tracking.Identify(n); err != nil {
		p.addf("cannot identify type of shipment by given tracking number (%s)", clip(n, maxQuotedLength))
	}
}

func checkText(p *problems, field, v string, max int, required bool) {
	switch {
	case required && strings.TrimSpace(v) == "":
		p.addf("%s is required", field)
	case utf8.RuneCountInString(v) > max:
		p.addf("%s is longer than %d characters", field, max)
	}
}

func checkDatetime(p *problems, field, v string, required bool) {
	if v == "" {
		if required {
			p.addf("%s is required", field)
		}
		return
	}
	if _, err := tracking.ParseDatetime(v); err != nil {
		p.addf("%s %q is not an RFC 3339 date-time such as 2015-09-17T11:28:00.000+02:00", field, clip(v, maxQuotedLength))
	}
}

func jsonError(err error) string {
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) && typ.Field != "" {
		return fmt.Sprintf("%s must be of type %s", typ.Field, typ.Type)
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}
