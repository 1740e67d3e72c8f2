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

	"github.com/parcelgate/parcelgate/internal/page"
)

// Errors the stores and the service return; the HTTP layer maps them.
var (
	ErrInvalidCredentials = errors.New("invalid client credentials")
	ErrPrincipalExists    = errors.New("principal already exists")
	ErrPrincipalNotFound  = errors.New("principal not found")
	// ErrPrincipalChanged is a change made from a principal another
	// change has replaced since it was read.
	ErrPrincipalChanged = errors.New("the credential changed meanwhile; read it again")
	// ErrKeeperGone is a change whose keeper is no longer an enabled owner.
	ErrKeeperGone = errors.New("keeper is no longer an enabled owner")
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

// Role is what a credential may do with its client's credentials.
type Role string

// Roles of credentials. Owners manage the client's credentials; members
// only use the API.
const (
	RoleOwner  Role = "owner"
	RoleMember Role = "member"
)

// Principal is one credential of a client.
type Principal struct {
	ID         string
	ClientID   string
	SecretHash []byte
	CreatedAt  time.Time
	// Role is stored with every credential made since roles exist; one
	// stored before reads as RoleOwner: the operator made it, as the
	// operator makes owners now.
	Role     Role
	Disabled bool
	// Deleted credentials stay as tombstones without secrets: project
	// memberships name principals by id, and a new credential given that
	// id would inherit them.
	Deleted bool
	// Generation is the number of times the credential's tokens were
	// revoked; a token carries the generation it was issued at and is
	// refused once the credential's has moved on.
	Generation int64
	// PreviousSecretHash stays valid until PreviousSecretExpiresAt after
	// a rotation with a grace period.
	PreviousSecretHash      []byte
	PreviousSecretExpiresAt time.Time
	// LastUsedAt is when the credential last got a token, to UseGrain.
	LastUsedAt time.Time
	// Version counts the changes of the credential: a change is written
	// only over the version it was made from.
	Version int64
}

// Live reports whether the credential may get and use tokens.
func (p Principal) Live() bool { return !p.Disabled && !p.Deleted }

// Owner reports whether the credential manages its client's credentials.
func (p Principal) Owner() bool { return p.Role == RoleOwner || p.Role == "" }

// AuditEntry is one change of a client's credentials or memberships: who
// made it, what it was and when.
type AuditEntry struct {
	At       time.Time
	ClientID string
	// By is the principal that made the change, or Operator.
	By     string
	Action string
	// Subject is the credential changed.
	Subject string
	// ProjectID names the project of a membership change.
	ProjectID string
}

// Operator is the By of changes made with the operator's command line
// (parcelgate client create, PARCELGATE_DEV_CLIENTS).
const Operator = "operator"

// PrincipalStore persists principals and the audit log of their changes.
type PrincipalStore interface {
	// CreatePrincipal stores p and entry, failing with ErrPrincipalExists
	// if its id is taken (also by a deleted credential).
	CreatePrincipal(ctx context.Context, p Principal, entry AuditEntry) error
	// Principal returns the principal or ErrPrincipalNotFound; a deleted
	// one is returned with Deleted set.
	Principal(ctx context.Context, id string) (Principal, error)
	// ClientPrincipals lists the credentials of a client that are not
	// deleted, by id. The list may lag a change by a moment; single reads
	// never do.
	ClientPrincipals(ctx context.Context, clientID string, req page.Request) (page.Page[Principal], error)
	// UpdatePrincipal stores p, with entry, if the stored principal is
	// still at version p.Version-1 (ErrPrincipalChanged otherwise) and,
	// when keeper is set, keeper is at that moment an enabled owner of
	// p's client (ErrKeeperGone otherwise).
	UpdatePrincipal(ctx context.Context, p Principal, keeper string, entry AuditEntry) error
	// PrincipalUsed records that p got a token at at.
	PrincipalUsed(ctx context.Context, p Principal, at time.Time) error
	// Audit lists a client's audit entries, oldest first.
	Audit(ctx context.Context, clientID string, req page.Request) (page.Page[AuditEntry], error)
}

// idPattern is compiled on first use: its bounded repetition compiles to
// a program of some 60 states, work that every function's cold start
// would do at package init, though only the credential routes check ids.
var idPattern = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$`)
})

// ValidID reports whether s may name a client or a principal.
func ValidID(s string) bool { return idPattern().MatchString(s) }

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

// Create stores a new principal of clientID with the given secret: the
// operator's way to make credentials. The client's first credential is
// its owner, the others members.
func (c Credentials) Create(ctx context.Context, clientID, principalID, secret string) (Principal, error) {
	if !ValidID(clientID) || !ValidID(principalID) {
		return Principal{}, fmt.Errorf("ids must match %s", idPattern())
	}
	existing, err := c.Store.ClientPrincipals(ctx, clientID, page.Request{Limit: 1})
	if err != nil {
		return Principal{}, err
	}
	role := RoleMember
	if len(existing.Items) == 0 {
		role = RoleOwner
	}
	return c.create(ctx, clientID, principalID, secret, role, Operator)
}

func (c Credentials) create(ctx context.Context, clientID, principalID, secret string, role Role, by string) (Principal, error) {
	if len(secret) < 16 || len(secret) > maxSecretBytes {
		// bcrypt ignores bytes past 72; refusing them keeps the secret honest.
		return Principal{}, errors.New("a client secret must be 16 to 72 bytes long")
	}
	hash, err := hashSecret(secret)
	if err != nil {
		return Principal{}, err
	}
	now := c.Now().UTC()
	p := Principal{ID: principalID, ClientID: clientID, SecretHash: hash, CreatedAt: now, Role: role}
	entry := AuditEntry{At: now, ClientID: clientID, By: by, Action: ActionCreated, Subject: principalID}
	if err := c.Store.CreatePrincipal(ctx, p, entry); err != nil {
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

// Authenticate returns the live principal whose id and secret match: the
// current secret, or the previous one within its grace period. The work
// done depends only on the form of the secret presented, never on whether
// the id exists or how its secret is stored, so timing tells nothing; an
// id no principal can have is refused without a store call.
func (c Credentials) Authenticate(ctx context.Context, principalID, secret string) (Principal, error) {
	if !ValidID(principalID) || len(secret) > maxSecretBytes {
		_ = secretMatches(dummyHash(secret), secret)
		return Principal{}, ErrInvalidCredentials
	}
	p, err := c.Store.Principal(ctx, principalID)
	if err != nil && !errors.Is(err, ErrPrincipalNotFound) {
		return Principal{}, err
	}
	// The hashes the secret may match, of its own form: a hash of the
	// other form cannot match it.
	var hashes [][]byte
	if err == nil {
		candidates := [][]byte{p.SecretHash}
		if len(p.PreviousSecretHash) > 0 && c.Now().Before(p.PreviousSecretExpiresAt) {
			candidates = append(candidates, p.PreviousSecretHash)
		}
		for _, h := range candidates {
			if len(h) > 0 && bytes.HasPrefix(h, []byte(fastHashPrefix)) == generated(secret) {
				hashes = append(hashes, h)
			}
		}
	}
	matched := false
	for _, h := range hashes {
		matched = secretMatches(h, secret) || matched
	}
	if len(hashes) == 0 {
		_ = secretMatches(dummyHash(secret), secret)
	}
	if !matched || !p.Live() {
		return Principal{}, ErrInvalidCredentials
	}
	return p, nil
}

// dummyHash is a hash of the secret's form that matches nothing.
func dummyHash(secret string) []byte {
	if generated(secret) {
		return []byte(fastHashPrefix)
	}
	return dummyBcrypt()
}

// UseGrain is how precisely LastUsedAt follows a credential's tokens: a
// token within UseGrain of the last recorded use records nothing. A
// client taking a token per request then writes its credential's item
// (and its list entry) once a minute, not once a token: one item takes
// at most 1,000 writes a second.
const UseGrain = time.Minute
