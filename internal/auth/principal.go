// Package auth holds client credentials, access tokens and the verification
// of callers. A client is a tenant (an integrator's organisation); a
// principal is one credential of a client. Every token names both, and the
// client id in a verified token is the only source of a caller's tenancy.
package auth

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strings"
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

// Secrets are checked in one of two ways, chosen by the secret itself.
//
// A secret parcelgate generated (NewSecret: "pgs_" and 256 random bits)
// is stored as its SHA-256. Guessing a 256-bit random value from its hash
// is as hopeless as guessing it outright, so a slow KDF adds nothing but
// latency; the check takes microseconds. BenchmarkCheckSecret measures it
// against bcrypt: bcrypt at cost 11 took 250-450 ms per token call on a
// 256 MB Lambda.
//
// A secret a person chose (--secret, PARCELGATE_DEV_CLIENTS) may be
// guessable, so it keeps bcrypt, slow on purpose. Credentials stored
// before generated secrets existed are bcrypt hashes and stay valid; to
// move one to the fast check, create a new credential and retire the old.
const bcryptCost = 11

// generatedPrefix marks a secret NewSecret made.
const generatedPrefix = "pgs_"

// fastHashPrefix marks a stored SHA-256 of a generated secret; bcrypt
// hashes start with "$2".
const fastHashPrefix = "sha256$"

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

// NewSecret returns a random client secret: 256 bits, marked as generated
// so that it is stored and checked with a fast hash.
func NewSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return generatedPrefix + base64.RawURLEncoding.EncodeToString(b), nil
}

// generated reports whether secret has the form NewSecret gives it. Anyone
// may type that form by hand; only they would be weakened by it.
func generated(secret string) bool {
	rest, ok := strings.CutPrefix(secret, generatedPrefix)
	if !ok || len(rest) != 43 {
		return false
	}
	b, err := base64.RawURLEncoding.DecodeString(rest)
	return err == nil && len(b) == 32
}

// hashSecret returns what is stored for secret.
func hashSecret(secret string) ([]byte, error) {
	if generated(secret) {
		sum := sha256.Sum256([]byte(secret))
		return []byte(fastHashPrefix + hex.EncodeToString(sum[:])), nil
	}
	return bcrypt.GenerateFromPassword([]byte(secret), bcryptCost)
}

// secretMatches reports whether secret is the one hash was made from.
func secretMatches(hash []byte, secret string) bool {
	if want, ok := bytes.CutPrefix(hash, []byte(fastHashPrefix)); ok {
		sum := sha256.Sum256([]byte(secret))
		got := []byte(hex.EncodeToString(sum[:]))
		return subtle.ConstantTimeCompare(got, want) == 1
	}
	return bcrypt.CompareHashAndPassword(hash, []byte(secret)) == nil
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
	hash, err := hashSecret(secret)
	if err != nil {
		return Principal{}, err
	}
	p := Principal{ID: principalID, ClientID: clientID, SecretHash: hash, CreatedAt: c.Now().UTC()}
	if err := c.Store.CreatePrincipal(ctx, p); err != nil {
		return Principal{}, err
	}
	return p, nil
}

// dummyBcrypt is checked against when there is nothing to check a
// person-chosen secret against. It is made on first use, not at cold start.
var dummyBcrypt = sync.OnceValue(func() []byte {
	h, _ := bcrypt.GenerateFromPassword([]byte("parcelgate-timing-equaliser"), bcryptCost)
	return h
})

// maxSecretBytes is the longest secret Create accepts; bcrypt would
// ignore the bytes past it, so a longer one cannot be right.
const maxSecretBytes = 72

// Authenticate returns the principal whose id and secret match. The work
// done depends only on the form of the secret presented, never on whether
// the id exists or how its secret is stored, so timing tells nothing; an
// id no principal can have is refused without a store call.
func (c Credentials) Authenticate(ctx context.Context, principalID, secret string) (Principal, error) {
	if !ValidID(principalID) || len(secret) > maxSecretBytes {
		hash := []byte(fastHashPrefix)
		if !generated(secret) {
			hash = dummyBcrypt()
		}
		_ = secretMatches(hash, secret)
		return Principal{}, ErrInvalidCredentials
	}
	p, err := c.Store.Principal(ctx, principalID)
	if err != nil && !errors.Is(err, ErrPrincipalNotFound) {
		return Principal{}, err
	}
	found := err == nil
	hash := p.SecretHash
	if !found || bytes.HasPrefix(hash, []byte(fastHashPrefix)) != generated(secret) {
		found = false
		hash = []byte(fastHashPrefix)
		if !generated(secret) {
			hash = dummyBcrypt()
		}
	}
	if !secretMatches(hash, secret) || !found {
		return Principal{}, ErrInvalidCredentials
	}
	return p, nil
}
