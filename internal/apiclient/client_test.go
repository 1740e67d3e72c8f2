package apiclient

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/parcelgate/parcelgate/internal/apiclient/gen"
)

// A job submitted with a token the API has stopped taking is sent again,
// body and all, with a new one.
func TestDoerResendsTheBodyAfterARefusedToken(t *testing.T) {
	var bodies []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		bodies = append(bodies, string(b))
		if r.Header.Get("Authorization") != "Bearer new" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusAccepted)
		_, _ = w.Write([]byte(`{"jobId":"j1","action":"ADD","status":"QUEUED","externalReference":null,"createdAt":"2026-01-01T00:00:00Z","startedAt":null,"completedAt":null,"counts":{"total":1,"added":0,"renewed":0,"removed":0,"invalid":0,"duplicate":0,"notAssociated":0,"failed":0},"messages":[]}`))
	}))
	defer srv.Close()
	token := "old"
	api, err := New(srv.URL, &Doer{HTTP: srv.Client(),
		Token:  func(context.Context) (string, error) { return token, nil },
		Forget: func() { token = "new" }})
	if err != nil {
		t.Fatal(err)
	}
	r, err := api.SubmitTrackingNumberJobWithResponse(context.Background(), "p1", nil,
		gen.SubmitTrackingNumberJobJSONRequestBody{Action: gen.ADD, TrackingNumbers: []gen.TrackingNumberInput{{TrackingNumber: "1Z999AA10123456784"}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(bodies) != 2 || bodies[0] != bodies[1] || bodies[1] == "" {
		t.Fatalf("bodies sent: %q", bodies)
	}
	if job, err := Expect(r.JSON202, r); err != nil || job.JobId != "j1" {
		t.Fatalf("%+v %v", job, err)
	}
}

// A refusal is an *Error with the problem's code and detail, whatever the
// generated client would have decoded.
func TestDoerTurnsRefusalsIntoErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"type":"about:blank","title":"Not Found","status":404,"code":"NOT_FOUND","detail":"no job j9"}`))
	}))
	defer srv.Close()
	api, err := New(srv.URL+"/", &Doer{HTTP: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	_, err = api.GetTrackingNumberJobReportWithResponse(context.Background(), "p1", "j9")
	var e *Error
	if !errors.As(err, &e) || e.Status != 404 || e.Code != "NOT_FOUND" || e.Detail != "no job j9" {
		t.Fatalf("%#v", err)
	}
}
