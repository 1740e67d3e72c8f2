package httpapi

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/auth"
	"github.com/parcelgate/parcelgate/internal/data"
	"github.com/parcelgate/parcelgate/internal/input"
	"github.com/parcelgate/parcelgate/internal/job"
	"github.com/parcelgate/parcelgate/internal/project"
	"github.com/parcelgate/parcelgate/internal/tracking"
	"github.com/parcelgate/parcelgate/internal/trackpage"
)

// Every route's errors are written by one wrapper, in the route's shape;
// the few answers of a shape of their own carry it in the error.
func TestRouteErrorShapes(t *testing.T) {
	notQueued := &job.NotQueuedError{Cause: errors.New("queue down")}
	cases := []struct {
		name        string
		shape       errorShape
		err         error
		status      int
		contentType string
		want        string
	}{
		{"problem404", 0, project.ErrNotFound, 404, "application/problem+json", `"code":"NOT_FOUND"`},
		{"problem500", 0, errors.New("disk on fire"), 500, "application/problem+json", `"code":"INTERNAL"`},
		{"envelope404", envelopeErrors, project.ErrNotFound, 404, "application/json", `{"data":null,"error":{"code":"NOT_FOUND","message":"no such project","field":null},"success":false}`},
		{"envelope400Field", envelopeErrors, &input.Error{Field: "messages", Message: "required", Labelled: true}, 400, "application/json", `"field":"messages"`},
		{"tracking400Number", trackingErrors, &input.Error{Field: "tracking_number", Message: "has a control character"}, 400, "application/json",
			`{"status":400,"error":"uknown_tracking_number","message":"Cannot identify type of shipment by given tracking number: tracking_number has a control character","details":null}`},
		{"tracking400Other", trackingErrors, &input.Error{Field: "limit", Message: "bad"}, 400, "application/problem+json", `"field":"limit"`},
		{"tracking500", trackingErrors, errors.New("disk on fire"), 500, "application/problem+json", `"code":"INTERNAL"`},
		{"page400Number", pageErrors, &input.Error{Field: "tracking_number", Message: "bad"}, 400, "text/html; charset=utf-8", "<html"},
		{"page400Query", pageErrors, &input.Error{Field: "x", Message: "bad"}, 400, "application/problem+json", `"field":"x"`},
		{"page500", pageErrors, errors.New("disk on fire"), 500, "text/html; charset=utf-8", "<html"},
		{"withBody503", envelopeErrors, &withBody{notQueued, map[string]string{"jobId": "j1"}}, 503, "application/json", `{"jobId":"j1"}`},
		{"shipX404", 0, &inShipX{tracking.ErrNotFound, "Shipment type x is not known."}, 404, "application/json",
			`{"status":404,"error":"resource_not_found","description":"Shipment type x is not known.","details":null}`},
		{"shipXOther", 0, &inShipX{project.ErrNotFound, "?"}, 404, "application/problem+json", `"code":"NOT_FOUND"`},
		{"oauth401", 0, &inOAuth{auth.ErrInvalidCredentials}, 401, "application/json", `{"error":"invalid_client","error_description":"unknown client id or wrong secret"}`},
		{"oauth400", 0, &inOAuth{badRequest("no")}, 400, "application/json", `{"error":"invalid_request","error_description":"no"}`},
		{"oauth500", 0, &inOAuth{errors.New("disk on fire")}, 500, "application/problem+json", `"code":"INTERNAL"`},
		{"token401Envelope", envelopeErrors, fmt.Errorf("%w: expired", auth.ErrInvalidToken), 401, "application/problem+json", `"code":"UNAUTHORIZED"`},
		{"noToken401Page", pageErrors, errNoToken, 401, "application/problem+json", `"detail":"send an access token`},
	}
	a := &API{Pages: trackpage.Pages{}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", "/track/1Z999AA10123456784", nil)
			req.SetPathValue("tracking_number", "1Z999AA10123456784")
			rec := httptest.NewRecorder()
			a.writeRouteError(rec, req, c.shape, c.err)
			if rec.Code != c.status || rec.Header().Get("Content-Type") != c.contentType || !strings.Contains(rec.Body.String(), c.want) {
				t.Fatalf("got %d %q %s", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
			}
			switch c.err.(type) {
			case *withBody, *inShipX, *inOAuth:
				// Logged as the error they carry.
				if inner := errors.Unwrap(c.err); c.err.Error() != inner.Error() {
					t.Errorf("%q does not read as %q", c.err.Error(), inner.Error())
				}
			}
		})
	}
}

// A handler that answered and then returned an error keeps its answer:
// the error is logged, not written after it.
func TestServeKeepsAnAnswerGivenBeforeAnError(t *testing.T) {
	rt := Route{Method: "GET", Path: "/x", Handle: func(_ *API, w http.ResponseWriter, _ *http.Request) error {
		writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
		return errors.New("late failure")
	}}
	a := &API{Deadline: time.Minute / 4}
	rec, got := serveOnce(t, a, rt, httptest.NewRequest("GET", "/x", nil))
	if rec.Code != 200 || rec.Body.String() != "{\"ok\":true}\n" || got.Status != 200 {
		t.Fatalf("got %d %s, observed %+v", rec.Code, rec.Body, got)
	}
}

// A handler may set headers and then fail: they go with the error.
func TestServeSendsHeadersSetBeforeAnError(t *testing.T) {
	rt := Route{Method: "GET", Path: "/x", Handle: func(_ *API, w http.ResponseWriter, _ *http.Request) error {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		return project.ErrNotFound
	}}
	rec, _ := serveOnce(t, &API{Deadline: time.Minute / 4}, rt, httptest.NewRequest("GET", "/x", nil))
	if rec.Code != 404 || rec.Header().Get("Cache-Control") != "public, max-age=3600" {
		t.Fatalf("got %d %v", rec.Code, rec.Header())
	}
}

func TestImportProblem(t *testing.T) {
	cases := []struct {
		name   string
		f      *data.Failure
		status int
		code   string
		field  string
	}{
		{"conflict409Unknown", nil, 409, "IMPORT_FAILED", ""},
		{"invalid400", &data.Failure{Reason: data.FailInvalid, Field: "[3].name", Message: "too long"}, 400, "BAD_REQUEST", "[3].name"},
		{"changed409", &data.Failure{Reason: data.FailChanged, Field: "C1", Message: "changed"}, 409, "ROW_CHANGED", "C1"},
		{"other409", &data.Failure{Message: "gave up"}, 409, "IMPORT_FAILED", ""},
	}
	for _, c := range cases {
		p := importProblem(c.f)
		field := ""
		if len(p.Errors) > 0 {
			field = p.Errors[0].Field
		}
		if p.Status != c.status || p.Code != c.code || field != c.field {
			t.Errorf("%s: %d %s %q", c.name, p.Status, p.Code, field)
		}
	}
}
