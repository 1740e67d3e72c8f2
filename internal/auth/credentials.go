package auth

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"time"

	"github.com/parcelgate/parcelgate/internal/input"
	"github.com/parcelgate/parcelgate/internal/page"
)

// Errors of credential management; the HTTP layer maps them.
var (
	ErrNotOwner  = errors.New("only an owner of the client manages its credentials")
	ErrLastOwner = errors.New("the client's last enabled owner cannot be disabled or deleted")
)

// What an audit entry records.
const (
	ActionCreated  = "credential.created"
	ActionDisabled = "credential.disabled"
	ActionEnabled  = "credential.enabled"
	ActionDeleted  = "credential.deleted"
	ActionRotated  = "credential.secret_rotated"
	// ActionMemberRemoved is a principal removed from a project.
	ActionMemberRemoved = "member.removed"
)

// MaxGrace is the longest a rotated secret stays valid.
const MaxGrace = 24 * time.Hour

// AuditRetention is how long audit entries are kept at least.
const AuditRetention = 400 * 24 * time.Hour

// owner returns the caller's credential if it is a live owner of the
// client the token names.
func (c Credentials) owner(ctx context.Context, caller Identity) (Principal, error) {
	p, err := c.Store.Principal(ctx, caller.PrincipalID)
	if errors.Is(err, ErrPrincipalNotFound) || (err == nil && (!p.Live() || p.ClientID != caller.ClientID)) {
		return Principal{}, ErrInvalidToken
	}
	if err != nil {
		return Principal{}, err
	}
	if !p.Owner() {
		return Principal{}, ErrNotOwner
	}
	return p, nil
}

// target returns a credential of the owner's client; any other is not found.
func (c Credentials) target(ctx context.Context, owner Principal, id string) (Principal, error) {
	if !ValidID(id) {
		return Principal{}, ErrPrincipalNotFound
	}
	p, err := c.Store.Principal(ctx, id)
	if err != nil {
		return Principal{}, err
	}
	if p.ClientID != owner.ClientID || p.Deleted {
		return Principal{}, ErrPrincipalNotFound
	}
	return p, nil
}

// List returns a page of the caller's client's credentials.
func (c Credentials) List(ctx context.Context, caller Identity, req page.Request) (page.Page[Principal], error) {
	if _, err := c.owner(ctx, caller); err != nil {
		return page.Page[Principal]{}, err
	}
	return c.Store.ClientPrincipals(ctx, caller.ClientID, req)
}

// Issue creates a credential of the caller's client with a generated
// secret, returned once. An empty id gets a generated one.
func (c Credentials) Issue(ctx context.Context, caller Identity, id string, role Role) (Principal, string, error) {
	if role != RoleOwner && role != RoleMember {
		return Principal{}, "", &input.Error{Field: "role", Message: "must be owner or member", Kind: input.Rejected, Labelled: true}
	}
	if id == "" {
		id = newCredentialID()
	}
	if !ValidID(id) {
		return Principal{}, "", &input.Error{Field: "clientId", Message: "must be 2 to 64 of A-Z a-z 0-9 . _ - starting with a letter or digit", Kind: input.Rejected, Labelled: true}
	}
	owner, err := c.owner(ctx, caller)
	if err != nil {
		return Principal{}, "", err
	}
	secret, err := NewSecret()
	if err != nil {
		return Principal{}, "", err
	}
	p, err := c.create(ctx, owner.ClientID, id, secret, role, owner.ID)
	return p, secret, err
}

func newCredentialID() string {
	b := make([]byte, 10)
	_, _ = rand.Read(b)
	return "cred-" + hex.EncodeToString(b)
}

// SetEnabled disables or enables a credential. Either way the tokens it
// holds are revoked: disabled ones are refused, and re-enabling does not
// bring back tokens that were cut off.
func (c Credentials) SetEnabled(ctx context.Context, caller Identity, id string, enabled bool) (Principal, error) {
	owner, err := c.owner(ctx, caller)
	if err != nil {
		return Principal{}, err
	}
	p, err := c.target(ctx, owner, id)
	if err != nil || p.Disabled == !enabled {
		return p, err
	}
	action, keeper := ActionEnabled, ""
	if !enabled {
		action = ActionDisabled
		if keeper, err = c.keeper(ctx, owner, p); err != nil {
			return Principal{}, err
		}
	}
	next := p
	next.Disabled = !enabled
	next.Generation++
	return next, c.update(ctx, next, keeper, owner.ID, action)
}

// Delete deletes a credential: its tokens are refused, it gets no new
// one, and its id is never given again.
func (c Credentials) Delete(ctx context.Context, caller Identity, id string) error {
	owner, err := c.owner(ctx, caller)
	if err != nil {
		return err
	}
	p, err := c.target(ctx, owner, id)
	if err != nil {
		return err
	}
	keeper, err := c.keeper(ctx, owner, p)
	if err != nil {
		return err
	}
	next := p
	next.Deleted = true
	next.Generation++
	next.SecretHash, next.PreviousSecretHash, next.PreviousSecretExpiresAt = nil, nil, time.Time{}
	return c.update(ctx, next, keeper, owner.ID, ActionDeleted)
}

// Rotate gives a credential a new generated secret; the old one stays
// valid for graceSeconds (0 to MaxGrace). Tokens already issued live on.
func (c Credentials) Rotate(ctx context.Context, caller Identity, id string, graceSeconds int64) (secret string, previousExpiresAt time.Time, err error) {
	grace := time.Duration(graceSeconds) * time.Second
	if graceSeconds < 0 || graceSeconds > int64(MaxGrace/time.Second) {
		return "", time.Time{}, &input.Error{Field: "graceSeconds", Message: "must be 0 to 86400", Kind: input.Rejected, Labelled: true}
	}
	owner, err := c.owner(ctx, caller)
	if err != nil {
		return "", time.Time{}, err
	}
	p, err := c.target(ctx, owner, id)
	if err != nil {
		return "", time.Time{}, err
	}
	if secret, err = NewSecret(); err != nil {
		return "", time.Time{}, err
	}
	hash, err := hashSecret(secret)
	if err != nil {
		return "", time.Time{}, err
	}
	next := p
	next.PreviousSecretHash, next.PreviousSecretExpiresAt = nil, c.Now().UTC().Add(grace)
	if grace > 0 {
		next.PreviousSecretHash = p.SecretHash
	}
	next.SecretHash = hash
	if err := c.update(ctx, next, "", owner.ID, ActionRotated); err != nil {
		return "", time.Time{}, err
	}
	return secret, next.PreviousSecretExpiresAt, nil
}

// AuditLog returns a page of the caller's client's audit log.
func (c Credentials) AuditLog(ctx context.Context, caller Identity, req page.Request) (page.Page[AuditEntry], error) {
	if _, err := c.owner(ctx, caller); err != nil {
		return page.Page[AuditEntry]{}, err
	}
	return c.Store.Audit(ctx, caller.ClientID, req)
}

// keeper names an enabled owner who stays one while target is disabled or
// deleted, or "" when target is not an enabled owner. The store checks
// the keeper in the same write: two owners disabling each other at once
// cannot both succeed.
func (c Credentials) keeper(ctx context.Context, owner, target Principal) (string, error) {
	if !target.Owner() || !target.Live() {
		return "", nil
	}
	if owner.ID != target.ID {
		return owner.ID, nil
	}
	req := page.Request{Limit: page.MaxLimit}
	for {
		got, err := c.Store.ClientPrincipals(ctx, target.ClientID, req)
		if err != nil {
			return "", err
		}
		for _, p := range got.Items {
			if p.ID != target.ID && p.Owner() && p.Live() {
				return p.ID, nil
			}
		}
		if got.NextCursor == "" {
			return "", ErrLastOwner
		}
		req.Cursor = got.NextCursor
	}
}

func (c Credentials) update(ctx context.Context, next Principal, keeper, by, action string) error {
	next.Version++
	entry := AuditEntry{At: c.Now().UTC(), ClientID: next.ClientID, By: by, Action: action, Subject: next.ID}
	err := c.Store.UpdatePrincipal(ctx, next, keeper, entry)
	if errors.Is(err, ErrKeeperGone) {
		return ErrLastOwner
	}
	return err
}
