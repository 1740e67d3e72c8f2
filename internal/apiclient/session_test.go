package apiclient

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

// tokenServer issues token-1, token-2, ... to the client demo/s3cret and
// accepts only the newest on GET /v1/projects.
func tokenServer(t *testing.T) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var issued atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v1/auth/token":
			if id, secret, ok := r.BasicAuth(); !ok || id != "demo" || secret != "s3cret" || r.FormValue("grant_type") != "client_credentials" {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			n := issued.Add(1)
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(map[string]any{"access_token": fmt.Sprintf("token-%d", n), "token_type": "Bearer", "expires_in": 3600})
		case "/v1/projects":
			if r.Header.Get("Authorization") != fmt.Sprintf("Bearer token-%d", issued.Load()) {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			_, _ = w.Write([]byte(`{"items":[]}`))
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &issued
}

func TestSessionKeepsTheTokenAndRenewsItBeforeExpiry(t *testing.T) {
	srv, issued := tokenServer(t)
	path := filepath.Join(t.TempDir(), "parcelgate", "session.json")
	ctx := context.Background()
	if _, err := Login(ctx, srv.Client(), path, srv.URL, "demo", "wrong"); err == nil {
		t.Fatal("a wrong secret logged in")
	}
	if _, err := Login(ctx, srv.Client(), path, srv.URL+"/", "demo", "s3cret"); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("session file: %v %v", st, err)
	}
	// A later command reads the saved token and asks for none.
	s, err := LoadSession(srv.Client(), path)
	if err != nil {
		t.Fatal(err)
	}
	if tok, err := s.Token(ctx); err != nil || tok != "token-1" || issued.Load() != 1 {
		t.Fatalf("token %q (%v) after %d issued", tok, err, issued.Load())
	}
	// Close to its expiry, the token is replaced and the new one saved.
	s.Expiry = time.Now().Add(time.Minute)
	if tok, err := s.Token(ctx); err != nil || tok != "token-2" {
		t.Fatalf("token %q (%v), want a renewed one", tok, err)
	}
	if again, _ := LoadSession(srv.Client(), path); again.AccessToken != "token-2" || time.Until(again.Expiry) < 50*time.Minute {
		t.Fatalf("saved session %+v", again)
	}
}

func TestClientRenewsARefusedTokenOnce(t *testing.T) {
	srv, issued := tokenServer(t)
	path := filepath.Join(t.TempDir(), "session.json")
	s, err := Login(context.Background(), srv.Client(), path, srv.URL, "demo", "s3cret")
	if err != nil {
		t.Fatal(err)
	}
	issued.Add(1) // the server now wants a token the session does not hold
	api, err := s.Client()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := api.ListProjectsWithResponse(context.Background(), nil); err != nil {
		t.Fatalf("after a refused token: %v", err)
	}
	if s.AccessToken != "token-3" {
		t.Fatalf("token %q", s.AccessToken)
	}
}

func TestLoadSessionWithoutLoginSaysWhatToDo(t *testing.T) {
	_, err := LoadSession(http.DefaultClient, filepath.Join(t.TempDir(), "none.json"))
	if err == nil || err.Error() != "not logged in: run parcelgate login --url URL --client-id ID" {
		t.Fatalf("%v", err)
	}
}

func TestSessionWithoutPathWritesNothing(t *testing.T) {
	srv, _ := tokenServer(t)
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	t.Setenv("HOME", dir)
	s, err := Login(context.Background(), srv.Client(), "", srv.URL, "demo", "s3cret")
	if err != nil {
		t.Fatal(err)
	}
	s.Expiry = time.Now() // renewed, and still kept in memory only
	if tok, err := s.Token(context.Background()); err != nil || tok != "token-2" {
		t.Fatalf("token %q (%v)", tok, err)
	}
	if entries, err := os.ReadDir(dir); err != nil || len(entries) != 0 {
		t.Fatalf("files written: %v %v", entries, err)
	}
}
