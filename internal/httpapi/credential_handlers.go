package httpapi

import (
	"net/http"
	"time"

	"github.com/parcelgate/parcelgate/internal/auth"
	"github.com/parcelgate/parcelgate/internal/page"
)

// In the contract a credential's id is its clientId: the id it requests
// tokens with. The tenant the code calls the client is implied by the
// caller's token.
type credentialBody struct {
	ClientID   string     `json:"clientId"`
	Role       string     `json:"role"`
	Enabled    bool       `json:"enabled"`
	CreatedAt  time.Time  `json:"createdAt"`
	LastUsedAt *time.Time `json:"lastUsedAt"`
}

func newCredentialBody(p auth.Principal) credentialBody {
	b := credentialBody{ClientID: p.ID, Role: string(auth.RoleMember), Enabled: !p.Disabled, CreatedAt: p.CreatedAt.UTC().Truncate(time.Millisecond)}
	if p.Owner() {
		b.Role = string(auth.RoleOwner)
	}
	if !p.LastUsedAt.IsZero() {
		used := p.LastUsedAt.UTC().Truncate(time.Millisecond)
		b.LastUsedAt = &used
	}
	return b
}

func (a *API) listCredentials(w http.ResponseWriter, r *http.Request) error {
	req, err := pageRequest(r)
	if err != nil {
		return err
	}
	got, err := a.Credentials.List(r.Context(), identity(r.Context()), req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newPageBody(got, newCredentialBody))
	return nil
}

func (a *API) createCredential(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		ClientID string `json:"clientId"`
		Role     string `json:"role"`
	}
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if req.Role == "" {
		req.Role = string(auth.RoleMember)
	}
	p, secret, err := a.Credentials.Issue(r.Context(), identity(r.Context()), req.ClientID, auth.Role(req.Role))
	if err != nil {
		return err
	}
	body := newCredentialBody(p)
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusCreated, struct {
		ClientID     string    `json:"clientId"`
		ClientSecret string    `json:"clientSecret"`
		Role         string    `json:"role"`
		Enabled      bool      `json:"enabled"`
		CreatedAt    time.Time `json:"createdAt"`
	}{body.ClientID, secret, body.Role, body.Enabled, body.CreatedAt})
	return nil
}

func (a *API) updateCredential(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Enabled *bool `json:"enabled"`
	}
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if req.Enabled == nil {
		return badRequest("enabled is required", FieldError{Field: "enabled", Message: "required: true or false"})
	}
	id := r.PathValue("clientId")
	p, err := a.Credentials.SetEnabled(r.Context(), identity(r.Context()), id, *req.Enabled)
	if err != nil {
		return err
	}
	a.Revocations.Forget(id)
	writeJSON(w, http.StatusOK, newCredentialBody(p))
	return nil
}

func (a *API) deleteCredential(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("clientId")
	if err := a.Credentials.Delete(r.Context(), identity(r.Context()), id); err != nil {
		return err
	}
	a.Revocations.Forget(id)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) rotateCredentialSecret(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		GraceSeconds int64 `json:"graceSeconds"`
	}
	// The body is optional: none is a grace of 0.
	if r.ContentLength != 0 {
		if err := decodeJSON(r, &req); err != nil {
			return err
		}
	}
	secret, expires, err := a.Credentials.Rotate(r.Context(), identity(r.Context()), r.PathValue("clientId"), req.GraceSeconds)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, struct {
		ClientSecret            string    `json:"clientSecret"`
		PreviousSecretExpiresAt time.Time `json:"previousSecretExpiresAt"`
	}{secret, expires.UTC().Truncate(time.Millisecond)})
	return nil
}

type auditBody struct {
	At        time.Time `json:"at"`
	By        string    `json:"by"`
	Action    string    `json:"action"`
	ClientID  string    `json:"clientId"`
	ProjectID string    `json:"projectId,omitempty"`
}

func newAuditBody(e auth.AuditEntry) auditBody {
	return auditBody{At: e.At.UTC().Truncate(time.Millisecond), By: e.By, Action: e.Action, ClientID: e.Subject, ProjectID: e.ProjectID}
}

func (a *API) listCredentialAudit(w http.ResponseWriter, r *http.Request) error {
	limit, err := queryLimit(r, pageLimits)
	if err != nil {
		return err
	}
	after := r.URL.Query().Get("after")
	if len(after) > maxCursorBytes {
		return badRequest("after is too long; use the nextCursor of a response as it is", FieldError{Field: "after", Message: "too long"})
	}
	got, err := a.Credentials.AuditLog(r.Context(), identity(r.Context()), page.Request{Cursor: after, Limit: limit})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newPageBody(got, newAuditBody))
	return nil
}

func (a *API) removeMember(w http.ResponseWriter, r *http.Request) error {
	if err := a.Projects.RemoveMember(r.Context(), caller(r), r.PathValue("projectId"), r.PathValue("principalId")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
