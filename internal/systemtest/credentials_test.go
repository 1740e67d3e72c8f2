package systemtest

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/apitest"
)

// tokenRefused checks that token is refused as RFC 6750 says a revoked
// token is.
func tokenRefused(t *testing.T, e *apitest.Env, token string) {
	t.Helper()
	r := e.Call(t, "GET", "/v1/projects", token, nil).Want(t, http.StatusUnauthorized)
	if got := r.Header.Get("WWW-Authenticate"); !strings.Contains(got, `error="invalid_token"`) {
		t.Errorf("WWW-Authenticate %q, want error=\"invalid_token\"", got)
	}
}

func tokenStatus(t *testing.T, e *apitest.Env, id, secret string) int {
	t.Helper()
	return e.Call(t, "POST", "/v1/auth/token", "", map[string]string{"clientId": id, "clientSecret": secret}).Status
}

type createdCredential struct {
	ClientID     string `json:"clientId"`
	ClientSecret string `json:"clientSecret"`
	Role         string `json:"role"`
}

func createCredential(t *testing.T, e *apitest.Env, token string, body map[string]string) createdCredential {
	t.Helper()
	var c createdCredential
	e.Call(t, "POST", "/v1/credentials", token, body).Want(t, http.StatusCreated).JSON(t, &c)
	return c
}

func TestCredentialDisableRevokesAtOnceAndEnableRestores(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	_, owner := e.Token(t, "acme")
	m := createCredential(t, e, owner, map[string]string{"clientId": "acme-robot"})
	if m.Role != "member" {
		t.Fatalf("default role %q, want member", m.Role)
	}
	live := e.TokenFor(t, m.ClientID, m.ClientSecret)
	e.Call(t, "GET", "/v1/projects", live, nil).Want(t, http.StatusOK)

	e.Call(t, "PATCH", "/v1/credentials/acme-robot", owner, map[string]bool{"enabled": false}).Want(t, http.StatusOK)
	tokenRefused(t, e, live)
	if got := tokenStatus(t, e, m.ClientID, m.ClientSecret); got != http.StatusUnauthorized {
		t.Fatalf("disabled credential got a token: %d", got)
	}
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {m.ClientID}, "client_secret": {m.ClientSecret}}
	req, _ := http.NewRequest("POST", "/v1/auth/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r := e.Do(t, req).Want(t, http.StatusUnauthorized)
	if !strings.Contains(string(r.Body), `"error":"invalid_client"`) {
		t.Errorf("form post of a disabled credential: %s", r.Body)
	}

	e.Call(t, "PATCH", "/v1/credentials/acme-robot", owner, map[string]bool{"enabled": true}).Want(t, http.StatusOK)
	// The token cut off stays cut off; a new one works.
	tokenRefused(t, e, live)
	e.Call(t, "GET", "/v1/projects", e.TokenFor(t, m.ClientID, m.ClientSecret), nil).Want(t, http.StatusOK)
}

func TestCredentialDeleteRefusesTokensAndKeepsTheID(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	_, owner := e.Token(t, "acme")
	m := createCredential(t, e, owner, map[string]string{"clientId": "acme-gone"})
	live := e.TokenFor(t, m.ClientID, m.ClientSecret)
	e.Call(t, "DELETE", "/v1/credentials/acme-gone", owner, nil).Want(t, http.StatusNoContent)
	tokenRefused(t, e, live)
	if got := tokenStatus(t, e, m.ClientID, m.ClientSecret); got != http.StatusUnauthorized {
		t.Fatalf("deleted credential got a token: %d", got)
	}
	e.Call(t, "DELETE", "/v1/credentials/acme-gone", owner, nil).Want(t, http.StatusNotFound)
	// Its id, which memberships may name, is not given again.
	e.Call(t, "POST", "/v1/credentials", owner, map[string]string{"clientId": "acme-gone"}).Want(t, http.StatusConflict)
	var list struct {
		Items []struct {
			ClientID   string  `json:"clientId"`
			Role       string  `json:"role"`
			LastUsedAt *string `json:"lastUsedAt"`
		} `json:"items"`
	}
	e.Call(t, "GET", "/v1/credentials", owner, nil).Want(t, http.StatusOK).JSON(t, &list)
	if len(list.Items) != 1 || list.Items[0].Role != "owner" || list.Items[0].LastUsedAt == nil {
		t.Fatalf("credentials after the delete: %+v", list.Items)
	}
}

func TestCredentialRotateWithAndWithoutGrace(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	_, owner := e.Token(t, "acme")
	m := createCredential(t, e, owner, map[string]string{"clientId": "acme-rot"})

	var rot struct {
		ClientSecret            string    `json:"clientSecret"`
		PreviousSecretExpiresAt time.Time `json:"previousSecretExpiresAt"`
	}
	e.Call(t, "POST", "/v1/credentials/acme-rot/rotate-secret", owner, nil).Want(t, http.StatusOK).JSON(t, &rot)
	if got := tokenStatus(t, e, m.ClientID, m.ClientSecret); got != http.StatusUnauthorized {
		t.Fatalf("old secret after a rotation without grace: %d", got)
	}
	if got := tokenStatus(t, e, m.ClientID, rot.ClientSecret); got != http.StatusOK {
		t.Fatalf("new secret: %d", got)
	}

	old := rot.ClientSecret
	e.Call(t, "POST", "/v1/credentials/acme-rot/rotate-secret", owner, map[string]int{"graceSeconds": 600}).Want(t, http.StatusOK).JSON(t, &rot)
	if want := e.Clock().Add(600 * time.Second); !rot.PreviousSecretExpiresAt.Equal(want.Truncate(time.Millisecond)) {
		t.Errorf("previousSecretExpiresAt %s, want %s", rot.PreviousSecretExpiresAt, want)
	}
	for _, s := range []string{old, rot.ClientSecret} {
		if got := tokenStatus(t, e, m.ClientID, s); got != http.StatusOK {
			t.Fatalf("within the grace period: %d", got)
		}
	}
	e.Advance(601 * time.Second)
	if got := tokenStatus(t, e, m.ClientID, old); got != http.StatusUnauthorized {
		t.Fatalf("old secret after the grace period: %d", got)
	}
	if got := tokenStatus(t, e, m.ClientID, rot.ClientSecret); got != http.StatusOK {
		t.Fatalf("new secret after the grace period: %d", got)
	}
	for _, grace := range []any{-1, 86401, "60", 1.5} {
		e.Call(t, "POST", "/v1/credentials/acme-rot/rotate-secret", owner, map[string]any{"graceSeconds": grace}).Want(t, rotateStatus(grace))
	}
}

// rotateStatus is the answer to a grace: a number out of range is a rule
// broken (422), a value of another type a malformed body (400).
func rotateStatus(grace any) int {
	if _, ok := grace.(int); ok {
		return http.StatusUnprocessableEntity
	}
	return http.StatusBadRequest
}

func TestCredentialsAreTheirOwnersOnly(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	ownerID, owner := e.Token(t, "acme")
	_, stranger := e.Token(t, "globex")
	m := createCredential(t, e, owner, map[string]string{})
	if !strings.HasPrefix(m.ClientID, "cred-") {
		t.Errorf("generated id %q", m.ClientID)
	}
	member := e.TokenFor(t, m.ClientID, m.ClientSecret)

	// Another client's credential is not there at all.
	e.Call(t, "PATCH", "/v1/credentials/"+ownerID, stranger, map[string]bool{"enabled": false}).Want(t, http.StatusNotFound)
	e.Call(t, "DELETE", "/v1/credentials/"+ownerID, stranger, nil).Want(t, http.StatusNotFound)
	e.Call(t, "POST", "/v1/credentials/"+ownerID+"/rotate-secret", stranger, nil).Want(t, http.StatusNotFound)
	// A member manages nothing.
	for _, c := range []struct{ method, path string }{
		{"GET", "/v1/credentials"}, {"GET", "/v1/credentials/audit"}, {"DELETE", "/v1/credentials/" + ownerID},
	} {
		e.Call(t, c.method, c.path, member, nil).Want(t, http.StatusForbidden)
	}
	e.Call(t, "POST", "/v1/credentials", member, map[string]string{}).Want(t, http.StatusForbidden)

	// The last enabled owner stays.
	e.Call(t, "PATCH", "/v1/credentials/"+ownerID, owner, map[string]bool{"enabled": false}).Want(t, http.StatusConflict)
	if code := e.Call(t, "DELETE", "/v1/credentials/"+ownerID, owner, nil).Want(t, http.StatusConflict).Problem(t); code != "LAST_OWNER" {
		t.Errorf("code %s", code)
	}
	// With a second owner, the first may go.
	second := createCredential(t, e, owner, map[string]string{"clientId": "acme-owner2", "role": "owner"})
	e.Call(t, "DELETE", "/v1/credentials/"+ownerID, owner, nil).Want(t, http.StatusNoContent)
	tokenRefused(t, e, owner)
	other := e.TokenFor(t, second.ClientID, second.ClientSecret)
	e.Call(t, "DELETE", "/v1/credentials/acme-owner2", other, nil).Want(t, http.StatusConflict)

	for _, body := range []any{
		map[string]string{"role": "admin"}, map[string]string{"clientId": "x"}, map[string]string{"clientId": strings.Repeat("a", 65)},
	} {
		e.Call(t, "POST", "/v1/credentials", other, body).Want(t, http.StatusUnprocessableEntity)
	}
	e.Call(t, "PATCH", "/v1/credentials/acme-owner2", other, map[string]string{}).Want(t, http.StatusBadRequest)
	e.Call(t, "PATCH", "/v1/credentials/"+strings.Repeat("a", 5000), other, map[string]bool{"enabled": true}).Want(t, http.StatusBadRequest)
}

func TestMemberRemovalTakesTheProjectAtOnce(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	adminID, admin := e.Token(t, "acme")
	memberID, secret := e.Principal(t, "acme")
	var p struct {
		ProjectID string `json:"projectId"`
	}
	e.Call(t, "POST", "/v1/projects", admin, map[string]string{"name": "Returns"}).Want(t, http.StatusCreated).JSON(t, &p)
	path := "/v1/projects/" + p.ProjectID
	e.Call(t, "PUT", path+"/members/"+memberID, admin, map[string]string{"role": "contributor"}).Want(t, http.StatusOK)
	member := e.TokenFor(t, memberID, secret)
	e.Call(t, "GET", path, member, nil).Want(t, http.StatusOK)

	// The removal is seen at once by the process that made it (every
	// other keeps what it read for at most auth.RevocationBound).
	e.Call(t, "DELETE", path+"/members/"+memberID, admin, nil).Want(t, http.StatusNoContent)
	e.Call(t, "GET", path, member, nil).Want(t, http.StatusNotFound)
	e.Call(t, "DELETE", path+"/members/"+memberID, admin, nil).Want(t, http.StatusNotFound)

	if code := e.Call(t, "DELETE", path+"/members/"+adminID, admin, nil).Want(t, http.StatusConflict).Problem(t); code != "LAST_ADMIN" {
		t.Errorf("code %s", code)
	}
	// A role the process kept is forgotten when it changes it: an admin
	// demoted to viewer removes no one, at once; another client's project
	// is not there.
	e.Call(t, "PUT", path+"/members/"+memberID, admin, map[string]string{"role": "admin"}).Want(t, http.StatusOK)
	e.Call(t, "GET", path+"/members", member, nil).Want(t, http.StatusOK)
	e.Call(t, "PUT", path+"/members/"+memberID, admin, map[string]string{"role": "viewer"}).Want(t, http.StatusOK)
	e.Call(t, "DELETE", path+"/members/"+adminID, member, nil).Want(t, http.StatusForbidden)
	_, stranger := e.Token(t, "globex")
	e.Call(t, "DELETE", path+"/members/"+memberID, stranger, nil).Want(t, http.StatusNotFound)
	// With a second admin, an admin may leave.
	e.Call(t, "PUT", path+"/members/"+memberID, admin, map[string]string{"role": "admin"}).Want(t, http.StatusOK)
	e.Call(t, "DELETE", path+"/members/"+adminID, admin, nil).Want(t, http.StatusNoContent)
	e.Call(t, "GET", path, admin, nil).Want(t, http.StatusNotFound)
}

// TestAdminsDemotingEachOtherLeaveAnAdmin: a demotion obeys the rule of
// removal. Two admins demoting each other at once cannot both succeed: the
// loser is refused 409 LAST_ADMIN when its write finds its keeper (the
// loser itself) demoted, or 403 when its request already reads it so.
func TestAdminsDemotingEachOtherLeaveAnAdmin(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	aliceID, alice := e.Token(t, "acme")
	bobID, secret := e.Principal(t, "acme")
	bob := e.TokenFor(t, bobID, secret)
	for round := range 3 {
		var p struct {
			ProjectID string `json:"projectId"`
		}
		e.Call(t, "POST", "/v1/projects", alice, map[string]string{"name": "Returns"}).Want(t, http.StatusCreated).JSON(t, &p)
		path := "/v1/projects/" + p.ProjectID + "/members/"
		e.Call(t, "PUT", path+bobID, alice, map[string]string{"role": "admin"}).Want(t, http.StatusOK)
		if round == 0 {
			// One of two admins may be demoted, and promoted again.
			e.Call(t, "PUT", path+bobID, alice, map[string]string{"role": "viewer"}).Want(t, http.StatusOK)
			e.Call(t, "PUT", path+bobID, alice, map[string]string{"role": "admin"}).Want(t, http.StatusOK)
		}
		callers := []struct{ token, target string }{{alice, bobID}, {bob, aliceID}}
		got := make([]apitest.Response, len(callers))
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i, c := range callers {
			wg.Go(func() {
				<-start
				got[i] = e.Call(t, "PUT", path+c.target, c.token, map[string]string{"role": "contributor"})
			})
		}
		close(start)
		wg.Wait()
		won := 0
		for i, r := range got {
			switch {
			case r.Status == http.StatusOK:
				won++
			case r.Status == http.StatusConflict:
				if code := r.Problem(t); code != "LAST_ADMIN" {
					t.Fatalf("round %d, caller %d: code %s, want LAST_ADMIN", round, i, code)
				}
			case r.Status != http.StatusForbidden:
				t.Fatalf("round %d, caller %d: status %d; body %s", round, i, r.Status, r.Body)
			}
		}
		if won != 1 {
			t.Fatalf("round %d: %d demotions succeeded, want exactly one", round, won)
		}
		var members struct {
			Items []struct {
				Role string `json:"role"`
			} `json:"items"`
		}
		e.Call(t, "GET", "/v1/projects/"+p.ProjectID+"/members", alice, nil).Want(t, http.StatusOK).JSON(t, &members)
		admins := 0
		for _, m := range members.Items {
			if m.Role == "admin" {
				admins++
			}
		}
		if admins != 1 {
			t.Fatalf("round %d: members %+v, want exactly one admin", round, members.Items)
		}
	}
}

func TestCredentialAuditListsEveryChange(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	ownerID, owner := e.Token(t, "acme")
	var p struct {
		ProjectID string `json:"projectId"`
	}
	e.Call(t, "POST", "/v1/projects", owner, map[string]string{"name": "Audit"}).Want(t, http.StatusCreated).JSON(t, &p)
	// The log is in time order; the test's clock moves a second a step.
	steps := []func(){
		func() { createCredential(t, e, owner, map[string]string{"clientId": "acme-aud"}) },
		func() {
			e.Call(t, "PATCH", "/v1/credentials/acme-aud", owner, map[string]bool{"enabled": false}).Want(t, http.StatusOK)
		},
		func() {
			e.Call(t, "PATCH", "/v1/credentials/acme-aud", owner, map[string]bool{"enabled": true}).Want(t, http.StatusOK)
		},
		func() {
			e.Call(t, "POST", "/v1/credentials/acme-aud/rotate-secret", owner, map[string]int{"graceSeconds": 0}).Want(t, http.StatusOK)
		},
		func() {
			e.Call(t, "PUT", "/v1/projects/"+p.ProjectID+"/members/acme-aud", owner, map[string]string{"role": "viewer"}).Want(t, http.StatusOK)
			e.Call(t, "DELETE", "/v1/projects/"+p.ProjectID+"/members/acme-aud", owner, nil).Want(t, http.StatusNoContent)
		},
		func() { e.Call(t, "DELETE", "/v1/credentials/acme-aud", owner, nil).Want(t, http.StatusNoContent) },
	}
	for _, step := range steps {
		e.Advance(time.Second)
		step()
	}

	want := []string{
		"operator credential.created " + ownerID,
		ownerID + " credential.created acme-aud",
		ownerID + " credential.disabled acme-aud",
		ownerID + " credential.enabled acme-aud",
		ownerID + " credential.secret_rotated acme-aud",
		ownerID + " member.removed acme-aud",
		ownerID + " credential.deleted acme-aud",
	}
	var got []string
	after := ""
	for {
		var pg struct {
			Items []struct {
				At       time.Time `json:"at"`
				By       string    `json:"by"`
				Action   string    `json:"action"`
				ClientID string    `json:"clientId"`
			} `json:"items"`
			NextCursor *string `json:"nextCursor"`
		}
		e.Call(t, "GET", "/v1/credentials/audit?limit=3&after="+url.QueryEscape(after), owner, nil).Want(t, http.StatusOK).JSON(t, &pg)
		for _, it := range pg.Items {
			if it.At.IsZero() {
				t.Errorf("entry without a time: %+v", it)
			}
			got = append(got, it.By+" "+it.Action+" "+it.ClientID)
		}
		if pg.NextCursor == nil {
			break
		}
		after = *pg.NextCursor
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("audit:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// Another client's log is its own.
	_, stranger := e.Token(t, "globex")
	var theirs struct {
		Items []any `json:"items"`
	}
	e.Call(t, "GET", "/v1/credentials/audit", stranger, nil).Want(t, http.StatusOK).JSON(t, &theirs)
	if len(theirs.Items) != 1 {
		t.Errorf("another client's audit log has %d entries, want its own creation only", len(theirs.Items))
	}
	e.Call(t, "GET", "/v1/credentials/audit?after=forged", owner, nil).Want(t, http.StatusBadRequest)
}

func TestTokenRequestWithBasicAndBodyCredentials400(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	id, secret := e.Principal(t, "acme")
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {secret}}
	req, _ := http.NewRequest("POST", "/v1/auth/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(id, secret)
	r := e.Do(t, req).Want(t, http.StatusBadRequest)
	if !strings.Contains(string(r.Body), `"error":"invalid_request"`) {
		t.Errorf("body %s", r.Body)
	}
	// Basic alone, or with the same client id in the body, is one way.
	form.Del("client_secret")
	req, _ = http.NewRequest("POST", "/v1/auth/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(id, secret)
	e.Do(t, req).Want(t, http.StatusOK)
	req, _ = http.NewRequest("POST", "/v1/auth/token", strings.NewReader(`{"clientId":"`+id+`","clientSecret":"`+secret+`"}`))
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth(id, secret)
	e.Do(t, req).Want(t, http.StatusBadRequest)
}
