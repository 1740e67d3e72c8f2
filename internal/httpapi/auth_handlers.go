package httpapi

import (
	"errors"
	"net/http"
	"time"

	"github.com/parcelgate/parcelgate/internal/auth"
	"github.com/parcelgate/parcelgate/internal/input"
)

type tokenRequest struct {
	ClientID     string `json:"clientId"`
	ClientSecret string `json:"clientSecret"`
}

type tokenResponse struct {
	AccessToken string `json:"accessToken"`
	TokenType   string `json:"tokenType"`
	ExpiresIn   int64  `json:"expiresIn"`
	// OAuth2 client libraries read RFC 6749's names; form posts get them too.
	OAuthAccessToken string `json:"access_token,omitempty"`
	OAuthTokenType   string `json:"token_type,omitempty"`
	OAuthExpiresIn   int64  `json:"expires_in,omitempty"`
}

// readTokenRequest accepts the JSON body of the contract and the OAuth2
// client_credentials form post (secret in the form or in Basic auth).
func readTokenRequest(r *http.Request) (tokenRequest, bool, error) {
	if mediaType(r) != "application/x-www-form-urlencoded" {
		var req tokenRequest
		if err := decodeJSON(r, &req); err != nil {
			return req, false, err
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
			return tokenRequest{}, true, badRequest(name+" appears more than once; give it once", FieldError{Field: name, Message: "repeated"})
		}
	}
	if gt := r.PostForm.Get("grant_type"); gt != "client_credentials" {
		return tokenRequest{}, true, badRequest("grant_type must be client_credentials", FieldError{Field: "grant_type", Message: "must be client_credentials"})
	}
	req := tokenRequest{ClientID: r.PostForm.Get("client_id"), ClientSecret: r.PostForm.Get("client_secret")}
	if id, secret, ok := r.BasicAuth(); ok {
		req = tokenRequest{ClientID: id, ClientSecret: secret}
	}
	return req, true, nil
}

func (a *API) issueToken(w http.ResponseWriter, r *http.Request) {
	req, oauth, err := readTokenRequest(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	var missing []FieldError
	if req.ClientID == "" {
		missing = append(missing, FieldError{Field: "clientId", Message: "required"})
	}
	if req.ClientSecret == "" {
		missing = append(missing, FieldError{Field: "clientSecret", Message: "required"})
	}
	if len(missing) > 0 {
		writeError(w, r, badRequest("clientId and clientSecret are required", missing...))
		return
	}
	if err := input.CheckID("clientId", req.ClientID); err != nil {
		writeError(w, r, err)
		return
	}
	p, err := a.Credentials.Authenticate(r.Context(), req.ClientID, req.ClientSecret)
	if err != nil {
		writeError(w, r, err)
		return
	}
	// One more than fits, so Issue can tell "all of them" from "too many".
	roles, err := a.Projects.Roles(r.Context(), p.ID, auth.MaxRolesInToken+1)
	if err != nil {
		writeError(w, r, err)
		return
	}
	claim := make(map[string]string, len(roles))
	for id, role := range roles {
		claim[id] = string(role)
	}
	token, err := a.Issuer.Issue(p, claim)
	if err != nil {
		writeError(w, r, err)
		return
	}
	resp := tokenResponse{AccessToken: token, TokenType: "Bearer", ExpiresIn: int64(a.Issuer.TTL() / time.Second)}
	if oauth {
		resp.OAuthAccessToken, resp.OAuthTokenType, resp.OAuthExpiresIn = resp.AccessToken, resp.TokenType, resp.ExpiresIn
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, resp)
}

func (a *API) jwks(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "public, max-age=300")
	writeJSON(w, http.StatusOK, a.JWKS)
}
