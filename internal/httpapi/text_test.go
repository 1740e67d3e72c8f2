package httpapi_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/auth"
	"github.com/parcelgate/parcelgate/internal/httpapi"
	"github.com/parcelgate/parcelgate/internal/httpapi/texttest"
	"github.com/parcelgate/parcelgate/internal/memory"
	"github.com/parcelgate/parcelgate/internal/openapi/conformance"
	"github.com/parcelgate/parcelgate/internal/tracker"
	"github.com/parcelgate/parcelgate/internal/trackpage"
)

// pathValues are well-formed values for every path parameter, so that
// only the hostile one is wrong.
var pathValues = map[string]string{
	"projectId": "p1", "principalId": "reader-1", "clientId": "ops-1", "jobId": "j1", "webhookId": "wh_1", "entity": "customer",
	"entityName": "customer", "code": "C1", "importId": "i1", "outboxId": "o1", "taskId": "t1",
	"tracking_number": "1Z999AA10123456784", "shipment_type": "parcel",
}

// TestEveryRouteRefusesHostileText sends every hostile string in every
// path segment, query parameter and body of every route to an API with no
// store: each must be refused with a 400 in the route's error shape,
// saying what is wrong, before anything reaches a store (which would
// panic here and answer 500).
func TestEveryRouteRefusesHostileText(t *testing.T) {
	doc, err := conformance.Load()
	if err != nil {
		t.Fatal(err)
	}
	cases, err := texttest.Cases(doc, pathValues)
	if err != nil {
		t.Fatal(err)
	}
	h, token := storelessAPI(t)
	for _, c := range cases {
		req, err := c.Request("")
		if err != nil {
			t.Fatalf("%s: %v", c, err)
		}
		if !c.Route.Public {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if msg := texttest.Refused(c, rec.Code, rec.Header(), rec.Body.Bytes()); msg != "" {
			t.Errorf("%s: %s", c, msg)
		}
	}
	t.Logf("%d requests refused", len(cases))
}

func storelessAPI(t *testing.T) (http.Handler, string) {
	t.Helper()
	key, err := auth.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	jwk, err := auth.PublicJWK(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	set := auth.JWKS{Keys: []auth.JWK{jwk}}
	v, err := auth.NewVerifier(set, "urn:test", "parcelgate", time.Now)
	if err != nil {
		t.Fatal(err)
	}
	issuer, err := auth.NewIssuer(key, "urn:test", "parcelgate", time.Hour, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	token, err := issuer.Issue(auth.Principal{ID: "reader-1", ClientID: "client-1"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// The one store the API reads before a handler: the caller's
	// credential, for revocation.
	principals := &memory.Principals{}
	if err := principals.CreatePrincipal(context.Background(), auth.Principal{ID: "reader-1", ClientID: "client-1", Role: auth.RoleOwner, CreatedAt: time.Now()}, auth.AuditEntry{}); err != nil {
		t.Fatal(err)
	}
	h, err := (&httpapi.API{
		Verifier: v, JWKS: set, Logger: slog.New(slog.DiscardHandler),
		Revocations: &auth.Revocations{Store: principals, Now: time.Now},
		// The tracker reads the clock to parse a search; its store stays nil.
		Tracker: tracker.Service{Now: time.Now},
		Pages:   trackpage.Pages{},
	}).Handler()
	if err != nil {
		t.Fatal(err)
	}
	return h, token
}
