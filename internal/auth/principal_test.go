package auth

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/parcelgate/parcelgate/internal/page"
)

// memStore holds principals for the rules of Credentials; the DynamoDB
// store is exercised by the integration tests.
type memStore map[string]Principal

func (m memStore) CreatePrincipal(_ context.Context, p Principal, _ AuditEntry) error {
	if _, ok := m[p.ID]; ok {
		return ErrPrincipalExists
	}
	m[p.ID] = p
	return nil
}

func (m memStore) Principal(_ context.Context, id string) (Principal, error) {
	p, ok := m[id]
	if !ok {
		return Principal{}, ErrPrincipalNotFound
	}
	return p, nil
}

func (m memStore) ClientPrincipals(_ context.Context, clientID string, _ page.Request) (page.Page[Principal], error) {
	var out page.Page[Principal]
	for _, p := range m {
		if p.ClientID == clientID {
			out.Items = append(out.Items, p)
		}
	}
	return out, nil
}

func (m memStore) UpdatePrincipal(_ context.Context, p Principal, _ string, _ AuditEntry) error {
	m[p.ID] = p
	return nil
}

func (memStore) PrincipalUsed(context.Context, Principal, time.Time) error { return nil }

func (memStore) Audit(context.Context, string, page.Request) (page.Page[AuditEntry], error) {
	return page.Page[AuditEntry]{}, nil
}

func TestGeneratedSecretsUseTheFastCheck(t *testing.T) {
	ctx := context.Background()
	c := Credentials{Store: memStore{}, Now: time.Now}
	secret, err := NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	p, err := c.Create(ctx, "acme", "acme-ops", secret)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(p.SecretHash, []byte(fastHashPrefix)) || bytes.Contains(p.SecretHash, []byte(secret)) {
		t.Fatalf("stored %q", p.SecretHash)
	}
	if _, err := c.Authenticate(ctx, "acme-ops", secret); err != nil {
		t.Fatal(err)
	}
	other, _ := NewSecret()
	// The last character of a generated secret carries 4 bits, so it is "A"
	// one time in 16: the one-character change must differ from it.
	last := "A"
	if strings.HasSuffix(secret, last) {
		last = "E"
	}
	for _, wrong := range []string{other, secret[:len(secret)-1] + last, "a-person-chosen-secret"} {
		if _, err := c.Authenticate(ctx, "acme-ops", wrong); !errors.Is(err, ErrInvalidCredentials) {
			t.Errorf("%q: %v", wrong, err)
		}
	}
}

func TestChosenAndOlderSecretsKeepBcrypt(t *testing.T) {
	ctx := context.Background()
	store := memStore{}
	c := Credentials{Store: store, Now: time.Now}
	p, err := c.Create(ctx, "acme", "acme-chosen", "correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(p.SecretHash, []byte("$2")) {
		t.Fatalf("a chosen secret is stored as %q, want bcrypt", p.SecretHash)
	}
	// A credential stored before generated secrets existed: bcrypt of a
	// 24-byte random secret without the prefix.
	old := "Zm9vYmFyYmF6cXV4cXV1eHF1dXhxdXV4"
	hash, err := bcrypt.GenerateFromPassword([]byte(old), bcryptCost)
	if err != nil {
		t.Fatal(err)
	}
	store["acme-old"] = Principal{ID: "acme-old", ClientID: "acme", SecretHash: hash}
	for id, secret := range map[string]string{"acme-chosen": "correct horse battery staple", "acme-old": old} {
		if _, err := c.Authenticate(ctx, id, secret); err != nil {
			t.Errorf("%s: %v", id, err)
		}
		if _, err := c.Authenticate(ctx, id, secret+"x"); !errors.Is(err, ErrInvalidCredentials) {
			t.Errorf("%s with a wrong secret: %v", id, err)
		}
	}
	generatedLooking, _ := NewSecret()
	if _, err := c.Authenticate(ctx, "acme-old", generatedLooking); !errors.Is(err, ErrInvalidCredentials) {
		t.Errorf("a generated-looking secret against a bcrypt hash: %v", err)
	}
}

func TestUnknownPrincipalIsInvalidCredentials(t *testing.T) {
	c := Credentials{Store: memStore{}, Now: time.Now}
	s, _ := NewSecret()
	for _, secret := range []string{s, "a-person-chosen-secret"} {
		if _, err := c.Authenticate(context.Background(), "nobody", secret); !errors.Is(err, ErrInvalidCredentials) {
			t.Errorf("%v", err)
		}
	}
}

func TestGeneratedFormIsExact(t *testing.T) {
	s, _ := NewSecret()
	for in, want := range map[string]bool{
		s:                       true,
		s[4:]:                   false, // no prefix
		s + "A":                 false,
		generatedPrefix + "***": false,
		"pgs_" + string(bytes.Repeat([]byte("*"), 43)): false,
	} {
		if generated(in) != want {
			t.Errorf("generated(%q) = %v", in, !want)
		}
	}
}

// BenchmarkCheckSecret is the cost of checking a client secret per token
// call, as a ratio to bcrypt at cost 11 (what a token call paid before
// generated secrets), measured first in the same run.
func BenchmarkCheckSecret(b *testing.B) {
	chosen := "correct horse battery staple"
	fast, _ := NewSecret()
	fastHash, _ := hashSecret(fast)
	schemes := []struct {
		name   string
		secret string
		hash   func() []byte
	}{
		{"bcrypt-11", chosen, bcryptAt(chosen, 11)}, // the baseline: keep it first
		{"bcrypt-10", chosen, bcryptAt(chosen, 10)},
		{"bcrypt-12", chosen, bcryptAt(chosen, 12)},
		{"sha256-generated", fast, func() []byte { return fastHash }},
	}
	var baseline float64
	for _, s := range schemes {
		b.Run(s.name, func(b *testing.B) {
			h := s.hash()
			b.ResetTimer()
			start := time.Now()
			for b.Loop() {
				if !secretMatches(h, s.secret) {
					b.Fatal("no match")
				}
			}
			perOp := float64(time.Since(start).Nanoseconds()) / float64(b.N)
			if s.name == "bcrypt-11" {
				baseline = perOp
			}
			b.ReportMetric(perOp/baseline, "x-bcrypt11")
		})
	}
}

func bcryptAt(secret string, cost int) func() []byte {
	return func() []byte {
		h, err := bcrypt.GenerateFromPassword([]byte(secret), cost)
		if err != nil {
			panic(fmt.Sprint(err))
		}
		return h
	}
}
