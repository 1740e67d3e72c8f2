package texttest

import (
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"strings"
)

// Refused checks the answer to c: a 400 in the route's error shape that
// says what is wrong (c.Hostile.Says). It returns what is amiss, or "".
func Refused(c Case, status int, header http.Header, body []byte) string {
	if status != http.StatusBadRequest {
		return fmt.Sprintf("got %d %s, want 400", status, body)
	}
	mt, _, _ := mime.ParseMediaType(header.Get("Content-Type"))
	var says string
	switch {
	case c.Route.Path == "/track/{tracking_number}" && c.Param == "tracking_number":
		// The page for a number that cannot be identified: no detail.
		if mt != "text/html" {
			return "the tracking page answered " + mt
		}
		return ""
	case c.Envelope:
		var env struct {
			Success *bool `json:"success"`
			Error   *struct {
				Code    string `json:"code"`
				Message string `json:"message"`
			} `json:"error"`
		}
		if mt != "application/json" || json.Unmarshal(body, &env) != nil || env.Success == nil || *env.Success || env.Error == nil || env.Error.Code == "" {
			return fmt.Sprintf("not the message gateway's error envelope: %s %s", mt, body)
		}
		says = env.Error.Message
	case strings.HasPrefix(c.Route.Path, "/v1/tracking/{tracking_number}") && c.Param == "tracking_number":
		var seed struct {
			Status  int    `json:"status"`
			Error   string `json:"error"`
			Message string `json:"message"`
		}
		if mt != "application/json" || json.Unmarshal(body, &seed) != nil || seed.Status != 400 || seed.Error != "uknown_tracking_number" {
			return fmt.Sprintf("not ShipX's unknown number body: %s %s", mt, body)
		}
		says = seed.Message
	default:
		var p struct {
			Status int    `json:"status"`
			Code   string `json:"code"`
			Detail string `json:"detail"`
			Errors []struct {
				Field string `json:"field"`
			} `json:"errors"`
		}
		if mt != "application/problem+json" || json.Unmarshal(body, &p) != nil || p.Status != 400 || p.Code == "" || len(p.Errors) == 0 || p.Errors[0].Field == "" {
			return fmt.Sprintf("not a problem naming the field: %s %s", mt, body)
		}
		says = p.Detail
	}
	if !strings.Contains(says, c.Hostile.Says) {
		return fmt.Sprintf("the refusal %q does not say %q", says, c.Hostile.Says)
	}
	return ""
}
