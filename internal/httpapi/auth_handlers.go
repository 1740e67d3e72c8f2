package httpapi

import (
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/parcelgate/parcelgate/internal/auth"
	"github.com/parcelgate/parcelgate/internal/input"
	"github.com/parcelgate/parcelgate/internal/logging"
)

type tokenRequest struct {
	ClientID     string `json:"clientId"`
	ClientSecret string `json:"clientSecret"`
}

type tokenResponse struct {
	AccessToken string `json:"accessToken"`
	TokenType   string `json:"tokenType"`
	ExpiresIn   int64  `json:"expiresIn"`
}

// oauthTokenResponse answers a form post in RFC 6749 §5.1's names, which
// OAuth2 client libraries read; one shape per request kind keeps each a
// plain type for generated clients.
type oauthTokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int64  `json:"expires_in"`
}

// readTokenRequest accepts the JSON body of the contract and the OAuth2
// client_credentials form post (secret in the form or in Basic auth).
func readTokenRequest(r *http.Request) (tokenRequest, bool, error) {
	if mediaType(r) != "application/x-www-form-urlencoded" {
		var req tokenRequest
		if err := decodeJSON(r, &req); err != nil {
			return req, false, err
		}
		if _, _, ok := r.BasicAuth(); ok && (req.ClientID != "" || req.ClientSecret != "") {
			return req, false, badRequest("client credentials are both in the Authorization header and in the body; send them in the body")
		}
		return req, false, nil
	}
	if err := r.ParseForm(); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return tokenRequest{}, true, errBodyTooLarge()
		}
		return tokenRequest{}, true, badRequest("the form could not be read")
	}
	for _, name := range []string{"grant_type", "client_id", "client_secret"} {
		if len(r.PostForm[name]) > 1 {
			return tokenRequest{}, true, &oauthError{Status: http.StatusBadRequest, Code: "invalid_request", Description: name + " appears more than once; give it once"}
		}
	}
	switch gt := r.PostForm.Get("grant_type"); gt {
	case "client_credentials":
	case "":
		return tokenRequest{}, true, &oauthError{Status: http.StatusBadRequest, Code: "invalid_request", Description: "grant_type is required; send grant_type=client_credentials"}
	default:
		return tokenRequest{}, true, &oauthError{Status: http.StatusBadRequest, Code: "unsupported_grant_type", Description: "only grant_type=client_credentials is supported"}
	}
	req := tokenRequest{ClientID: r.PostForm.Get("client_id"), ClientSecret: r.PostForm.Get("client_secret")}
	if id, secret, ok := r.BasicAuth(); ok {
		// RFC 6749 §2.3: one way of authenticating per request. A client
		// id in the body that repeats Basic's is not a second one.
		if req.ClientSecret != "" || (req.ClientID != "" && req.ClientID != id) {
			return tokenRequest{}, true, &oauthError{Status: http.StatusBadRequest, Code: "invalid_request", Description: "client credentials are both in the Authorization header and in the body; send them one way"}
		}
		req = tokenRequest{ClientID: id, ClientSecret: secret}
	}
	return req, true, nil
}

// issueToken answers a form post's failures in RFC 6749's shape, the
// contract's JSON body's as problems.
func (a *API) issueToken(w http.ResponseWriter, r *http.Request) error {
	req, oauth, err := readTokenRequest(r)
	if err == nil {
		err = a.answerToken(w, r, req, oauth)
	}
	if err != nil && oauth {
		return &inOAuth{err}
	}
	return err
}

func (a *API) answerToken(w http.ResponseWriter, r *http.Request, req tokenRequest, oauth bool) error {
	var missing []FieldError
	if req.ClientID == "" {
		missing = append(missing, FieldError{Field: "clientId", Message: "required"})
	}
	if req.ClientSecret == "" {
		missing = append(missing, FieldError{Field: "clientSecret", Message: "required"})
	}
	if len(missing) > 0 && oauth {
		// RFC 6749 §5.2: no client authentication is invalid_client.
		return auth.ErrInvalidCredentials
	}
	if len(missing) > 0 {
		return badRequest("clientId and clientSecret are required", missing...)
	}
	if err := input.CheckID("clientId", req.ClientID); err != nil {
		return err
	}
	p, err := a.Credentials.Authenticate(r.Context(), req.ClientID, req.ClientSecret)
	if err != nil {
		return err
	}
	logging.SetClientID(r.Context(), p.ClientID)
	// When a credential was last used is for its owners to read, to the
	// minute; a token is not refused for want of it.
	if now := a.Credentials.Now(); now.Sub(p.LastUsedAt) >= auth.UseGrain {
		if err := a.Credentials.Store.PrincipalUsed(r.Context(), p, now); err != nil {
			slog.WarnContext(r.Context(), "recording a credential's use failed", "principalId", p.ID, "error", err.Error())
		}
	}
	// One more than fits, so Issue can tell "all of them" from "too many".
	roles, err := a.Projects.Roles(r.Context(), p.ID, auth.MaxRolesInToken+1)
	if err != nil {
		return err
	}
	claim := make(map[string]string, len(roles))
	for id, role := range roles {
		claim[id] = string(role)
	}
	token, err := a.Issuer.Issue(p, claim)
	if err != nil {
		return err
	}
	resp := tokenResponse{AccessToken: token, TokenType: "Bearer", ExpiresIn: int64(a.Issuer.TTL() / time.Second)}
	w.Header().Set("Cache-Control", "no-store")
	if oauth {
		writeJSON(w, http.StatusOK, oauthTokenResponse(resp))
		return nil
	}
	writeJSON(w, http.StatusOK, resp)
	return nil
}

func (a *API) jwks(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Cache-Control", "public, max-age=300")
	writeJSON(w, http.StatusOK, a.JWKS)
	return nil
}

// oauthError is an RFC 6749 §5.2 error response. Form posts to the token
// endpoint come from OAuth2 client libraries, which read `error` and
// `error_description` and know nothing of problem details.
type oauthError struct {
	Status      int    `json:"-"`
	Code        string `json:"error"`
	Description string `json:"error_description"`
}

func (e *oauthError) Error() string { return e.Code + ": " + e.Description }

// writeOAuthError answers a form post to the token endpoint in RFC 6749's
// shape; only a failure on our side keeps the problem body, since §5.2 has
// no code for it.
func writeOAuthError(w http.ResponseWriter, r *http.Request, err error) {
	var oe *oauthError
	if !errors.As(err, &oe) {
		p := loggedProblem(r, err)
		switch {
		case p.Code == "INVALID_CLIENT":
			oe = &oauthError{Status: http.StatusUnauthorized, Code: "invalid_client", Description: "unknown client id or wrong secret"}
		case p.Status < 500:
			oe = &oauthError{Status: p.Status, Code: "invalid_request", Description: p.Detail}
		default:
			writeError(w, r, err)
			return
		}
	}
	if oe.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="parcelgate"`)
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, oe.Status, oe)
}
