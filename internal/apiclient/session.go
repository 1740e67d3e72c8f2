package apiclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/parcelgate/parcelgate/internal/apiclient/gen"
)

// Session is what `parcelgate login` keeps: where the API is, the client
// credential (needed to renew the token: client credentials have no
// refresh token) and the current access token.
type Session struct {
	URL          string    `json:"url"`
	ClientID     string    `json:"clientId"`
	ClientSecret string    `json:"clientSecret"`
	AccessToken  string    `json:"accessToken,omitempty"`
	Expiry       time.Time `json:"expiry,omitzero"`

	path string
	http *http.Client
	mu   sync.Mutex // guards the token: jobs are submitted concurrently
}

// renewBefore is how long before its expiry a token is replaced, so that
// a long job submission never sends one that expires on the way.
const renewBefore = 5 * time.Minute

// SessionPath is the session file in the user's configuration directory.
func SessionPath() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "parcelgate", "session.json"), nil
}

// Login checks the credential by getting a token and saves the session
// at path, readable by the user only. With path "" the session is kept in
// memory only: a command that brings its own credential (demo) must not
// replace the user's login.
func Login(ctx context.Context, hc *http.Client, path, baseURL, clientID, clientSecret string) (*Session, error) {
	s := &Session{URL: strings.TrimRight(baseURL, "/"), ClientID: clientID, ClientSecret: clientSecret, path: path, http: hc}
	if _, err := s.Token(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// LoadSession reads the session saved by Login.
func LoadSession(hc *http.Client, path string) (*Session, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, errors.New("not logged in: run parcelgate login --url URL --client-id ID")
	}
	if err != nil {
		return nil, err
	}
	s := &Session{path: path, http: hc}
	if err := json.Unmarshal(data, s); err != nil {
		return nil, fmt.Errorf("%s is damaged (%v): run parcelgate login again", path, err)
	}
	return s, nil
}

// Token returns the saved access token, or a new one when it expires
// within renewBefore, saving it.
func (s *Session) Token(ctx context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.AccessToken != "" && time.Until(s.Expiry) > renewBefore {
		return s.AccessToken, nil
	}
	cfg := clientcredentials.Config{
		ClientID: s.ClientID, ClientSecret: s.ClientSecret,
		TokenURL: s.URL + "/v1/auth/token", AuthStyle: oauth2.AuthStyleInHeader,
	}
	tok, err := cfg.Token(context.WithValue(ctx, oauth2.HTTPClient, s.http))
	var re *oauth2.RetrieveError
	switch {
	case errors.As(err, &re) && re.Response.StatusCode == http.StatusUnauthorized:
		return "", fmt.Errorf("%s refused client id %q: unknown client id or wrong secret", s.URL, s.ClientID)
	case errors.As(err, &re):
		return "", fmt.Errorf("getting a token from %s: %w", s.URL, apiError(re.Response.StatusCode, re.Body))
	case err != nil:
		return "", fmt.Errorf("getting a token from %s: %w", s.URL, err)
	}
	s.AccessToken, s.Expiry = tok.AccessToken, tok.Expiry
	return s.AccessToken, s.save()
}

func (s *Session) save() error {
	if s.path == "" {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(s.path), 0o700); err != nil {
		return err
	}
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	// Write a sibling and rename, so a crash never leaves half a file; the
	// file holds a secret, so only its owner may read it.
	tmp, err := os.CreateTemp(filepath.Dir(s.path), ".session-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), s.path)
}

// Client returns the generated API client, authenticated with the session.
func (s *Session) Client() (*gen.ClientWithResponses, error) {
	return New(s.URL, &Doer{HTTP: s.http, Token: s.Token, Forget: s.forget})
}

// forget drops the access token, so the next call gets a new one.
func (s *Session) forget() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.AccessToken = ""
}
