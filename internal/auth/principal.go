// Package auth holds client credentials, access tokens and the verification
// of callers. A client is a tenant (an integrator's organisation); a
// principal is one credential of a client. Every token names both, and the
// client id in a verified token is the only source of a caller's tenancy.
package auth

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// Errors the stores and the service return; the HTTP layer maps them.
var (
	ErrInvalidCredentials = errors.New("invalid client credentials")
	ErrPrincipalExists    = errors.New("principal already exists")
	ErrPrincipalNotFound  = errors.New("principal not found")
)

// bcryptCost is slow enough to make offline guessing of a leaked hash
// expensive, and fast enough (~100 ms) for a token call on a small Lambda.
const bcryptCost = 11

// Principal is one credential of a client.
type Principal struct {
	ID         string
	ClientID   string
	SecretHash []byte
	CreatedAt  time.Time
}

// PrincipalStore persists principals.
type PrincipalStore interface {
	// CreatePrincipal stores p, failing with ErrPrincipalExists if its id is taken.
	CreatePrincipal(ctx context.Context, p Principal) error
	// Principal returns the principal or ErrPrincipalNotFound.
	Principal(ctx context.Context, id string) (Principal, error)
}

var idPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$`)

// ValidID reports whether s may name a client or a principal.
func ValidID(s string) bool { return idPattern.MatchString(s) }

// NewSecret returns a random client secret.
func NewSecret() (string, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// Credentials creates and checks principals.
type Credentials struct {
	Store PrincipalStore
	Now   func() time.Time
}

// Create stores a new principal of clientID with the given secret.
func (c Credentials) Create(ctx context.Context, clientID, principalID, secret string) (Principal, error) {
	if !ValidID(clientID) || !ValidID(principalID) {
		return Principal{}, fmt.Errorf("ids must match %s", idPattern)
	}
	if len(secret) < 16 || len(secret) > maxSecretBytes {
		// bcrypt ignores bytes past 72; refusing them keeps the secret honest.
		return Principal{}, errors.New("a client secret must be 16 to 72 bytes long")
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(secret), bcryptCost)
	if err != nil {
		return Principal{}, err
	}
	p := Principal{ID: principalID, ClientID: clientID, SecretHash: hash, CreatedAt: c.Now().UTC()}
	if err := c.Store.CreatePrincipal(ctx, p); err != nil {
		return Principal{}, err
	}
	return p, nil
}

// dummyHash is compared against when the principal is unknown, so that an
// unknown id and a wrong secret take the same time.
// It is made on first use, not at cold start.
var dummyHash = sync.OnceValue(func() []byte {
	h, _ := bcrypt.GenerateFromPassword([]byte("parcelgate-timing-equaliser"), bcryptCost)
	return h
})

// maxSecretBytes is the longest secret Create accepts; bcrypt would
// ignore the bytes past it, so a longer one cannot be right.
const maxSecretBytes = 72

// Authenticate returns the principal whose id and secret match. An id no
// principal can have is refused without a store call, as slowly as any.
func (c Credentials) Authenticate(ctx context.Context, principalID, secret string) (Principal, error) {
	if !ValidID(principalID) || len(secret) > maxSecretBytes {
		_ = bcrypt.CompareHashAndPassword(dummyHash(), []byte(secret))
		return Principal{}, ErrInvalidCredentials
	}
	p, err := c.Store.Principal(ctx, principalID)
	if errors.Is(err, ErrPrincipalNotFound) {
		_ = bcrypt.CompareHashAndPassword(dummyHash(), []byte(secret))
		return Principal{}, ErrInvalidCredentials
	}
	if err != nil {
		return Principal{}, err
	}
	if bcrypt.CompareHashAndPassword(p.SecretHash, []byte(secret)) != nil {
		return Principal{}, ErrInvalidCredentials
	}
	return p, nil
}
