package auth

import (
	"crypto/ecdsa"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	"github.com/parcelgate/parcelgate/internal/input"
)

// ErrInvalidToken wraps every reason a token is refused.
var ErrInvalidToken = errors.New("invalid access token")

// MaxRolesInToken bounds the token size: a principal in thousands of
// projects still gets a token that fits in a header. Authorization always
// reads the membership store, so the claim is informative, never trusted;
// a principal with more roles gets none in the token.
const MaxRolesInToken = 50

// Identity is the verified caller.
type Identity struct {
	ClientID    string
	PrincipalID string
	// Roles holds project roles at the time the token was issued.
	Roles map[string]string
	// Generation is the credential's revocation generation at issue.
	Generation int64
}

type claims struct {
	ClientID string            `json:"client_id"`
	Roles    map[string]string `json:"roles,omitempty"`
	// Generation is the credential's Generation when the token was issued.
	Generation int64 `json:"gen,omitempty"`
	jwt.RegisteredClaims
}

// UnmarshalJSON reads claims strictly: each claim once, and every
// registered claim of its registered type. encoding/json would take the
// string "1900000000" for a NumericDate, and the last of two "sub"s.
func (c *claims) UnmarshalJSON(data []byte) error {
	if err := input.CheckJSON(data); err != nil {
		return err
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	for name, v := range raw {
		want, ok := claimKinds[name]
		if !ok {
			continue
		}
		if k := v[0]; !strings.ContainsRune(want, rune(k)) {
			return fmt.Errorf("claim %s has the wrong type", name)
		}
	}
	if aud, ok := raw["aud"]; ok && aud[0] == '[' {
		var list []string
		if err := json.Unmarshal(aud, &list); err != nil {
			return fmt.Errorf("claim aud: %w", err)
		}
	}
	type plain claims // without this method
	return json.Unmarshal(data, (*plain)(c))
}

// claimKinds are the first bytes each claim's JSON value may start with:
// numbers for dates, strings for names, an object of roles.
var claimKinds = map[string]string{
	"exp": "-0123456789", "nbf": "-0123456789", "iat": "-0123456789",
	"iss": `"`, "sub": `"`, "jti": `"`, "client_id": `"`,
	"aud": `"[`, "roles": "{", "gen": "0123456789",
}

// Issuer signs access tokens.
type Issuer struct {
	key      *ecdsa.PrivateKey
	kid      string
	issuer   string
	audience string
	ttl      time.Duration
	now      func() time.Time
}

// NewIssuer returns an Issuer signing with key.
func NewIssuer(key *ecdsa.PrivateKey, issuer, audience string, ttl time.Duration, now func() time.Time) (*Issuer, error) {
	jwk, err := PublicJWK(&key.PublicKey)
	if err != nil {
		return nil, err
	}
	if issuer == "" || audience == "" || ttl <= 0 {
		return nil, errors.New("token issuer: issuer, audience and a positive lifetime are required")
	}
	return &Issuer{key: key, kid: jwk.Kid, issuer: issuer, audience: audience, ttl: ttl, now: now}, nil
}

// TTL is how long issued tokens live.
func (i *Issuer) TTL() time.Duration { return i.ttl }

// Issue returns a signed token for p carrying its project roles.
func (i *Issuer) Issue(p Principal, roles map[string]string) (string, error) {
	if len(roles) > MaxRolesInToken {
		roles = nil
	}
	now := i.now().UTC()
	c := claims{
		ClientID:   p.ClientID,
		Roles:      roles,
		Generation: p.Generation,
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    i.issuer,
			Subject:   p.ID,
			Audience:  jwt.ClaimStrings{i.audience},
			IssuedAt:  jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(i.ttl)),
			ID:        uuid.NewString(),
		},
	}
	t := jwt.NewWithClaims(jwt.SigningMethodES256, c)
	t.Header["kid"] = i.kid
	return t.SignedString(i.key)
}

// Verifier checks tokens: signature by a known key, algorithm, expiry,
// issuer and audience.
type Verifier struct {
	keys   map[string]*ecdsa.PublicKey
	parser *jwt.Parser
}

// clockSkew tolerates small clock differences between machines.
const clockSkew = 30 * time.Second

// NewVerifier returns a Verifier trusting the keys of set.
func NewVerifier(set JWKS, issuer, audience string, now func() time.Time) (*Verifier, error) {
	if issuer == "" || audience == "" {
		return nil, errors.New("token verifier: issuer and audience are required")
	}
	keys := make(map[string]*ecdsa.PublicKey, len(set.Keys))
	for _, k := range set.Keys {
		pub, err := k.PublicKey()
		if err != nil {
			return nil, err
		}
		keys[k.Kid] = pub
	}
	if len(keys) == 0 {
		return nil, errors.New("token verifier: no keys")
	}
	return &Verifier{keys: keys, parser: jwt.NewParser(
		jwt.WithValidMethods([]string{jwt.SigningMethodES256.Alg()}),
		jwt.WithIssuer(issuer),
		jwt.WithAudience(audience),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(clockSkew),
		jwt.WithTimeFunc(now),
	)}, nil
}

// Verify returns the identity a valid token carries.
func (v *Verifier) Verify(token string) (Identity, error) {
	var c claims
	_, err := v.parser.ParseWithClaims(token, &c, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		key, ok := v.keys[kid]
		if !ok {
			return nil, fmt.Errorf("unknown key id %q", kid)
		}
		return key, nil
	})
	if err != nil {
		// The cause is text only: a refused token is ErrInvalidToken and
		// nothing else, whatever the parser tripped on.
		return Identity{}, fmt.Errorf("%w: %v", ErrInvalidToken, err)
	}
	if c.ClientID == "" || c.Subject == "" {
		return Identity{}, fmt.Errorf("%w: client or subject missing", ErrInvalidToken)
	}
	return Identity{ClientID: c.ClientID, PrincipalID: c.Subject, Roles: c.Roles, Generation: c.Generation}, nil
}
