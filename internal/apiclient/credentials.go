package apiclient

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
)

// Credential is one credential of the caller's client.
type Credential struct {
	ClientID   string  `json:"clientId"`
	Role       string  `json:"role"`
	Enabled    bool    `json:"enabled"`
	CreatedAt  string  `json:"createdAt"`
	LastUsedAt *string `json:"lastUsedAt"`
}

// NewCredential is a credential just made, with its only sight of the secret.
type NewCredential struct {
	ClientID     string `json:"clientId"`
	ClientSecret string `json:"clientSecret"`
	Role         string `json:"role"`
}

// RotatedSecret is a credential's new secret.
type RotatedSecret struct {
	ClientSecret            string `json:"clientSecret"`
	PreviousSecretExpiresAt string `json:"previousSecretExpiresAt"`
}

// Credentials lists all the caller's client's credentials, page by page;
// raw holds the pages as the API sent them.
func (c *Client) Credentials(ctx context.Context) ([]Credential, [][]byte, error) {
	var all []Credential
	var raw [][]byte
	cursor := ""
	for {
		var body []byte
		if err := c.Do(ctx, http.MethodGet, "/v1/credentials?limit=1000&cursor="+url.QueryEscape(cursor), nil, nil, &body); err != nil {
			return nil, nil, err
		}
		var pg struct {
			Items      []Credential `json:"items"`
			NextCursor *string      `json:"nextCursor"`
		}
		if err := json.Unmarshal(body, &pg); err != nil {
			return nil, nil, fmt.Errorf("unexpected answer from GET /v1/credentials: %w", err)
		}
		all, raw = append(all, pg.Items...), append(raw, body)
		if pg.NextCursor == nil {
			return all, raw, nil
		}
		cursor = *pg.NextCursor
	}
}

// CreateCredential makes a credential; id "" gets a generated one.
func (c *Client) CreateCredential(ctx context.Context, id, role string) (NewCredential, error) {
	body := map[string]string{}
	if id != "" {
		body["clientId"] = id
	}
	if role != "" {
		body["role"] = role
	}
	var out NewCredential
	return out, c.Do(ctx, http.MethodPost, "/v1/credentials", nil, body, &out)
}

// SetCredentialEnabled disables or enables a credential.
func (c *Client) SetCredentialEnabled(ctx context.Context, id string, enabled bool) (Credential, error) {
	var out Credential
	return out, c.Do(ctx, http.MethodPatch, "/v1/credentials/"+url.PathEscape(id), nil, map[string]bool{"enabled": enabled}, &out)
}

// DeleteCredential deletes a credential.
func (c *Client) DeleteCredential(ctx context.Context, id string) error {
	return c.Do(ctx, http.MethodDelete, "/v1/credentials/"+url.PathEscape(id), nil, nil, nil)
}

// RotateCredentialSecret gives a credential a new secret; the old one
// stays valid for graceSeconds.
func (c *Client) RotateCredentialSecret(ctx context.Context, id string, graceSeconds int64) (RotatedSecret, error) {
	var out RotatedSecret
	return out, c.Do(ctx, http.MethodPost, "/v1/credentials/"+url.PathEscape(id)+"/rotate-secret", nil, map[string]int64{"graceSeconds": graceSeconds}, &out)
}
