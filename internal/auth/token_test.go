package auth

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

var t0 = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

func fixedNow() time.Time { return t0 }

func newPair(t *testing.T, issuer, audience string) (*Issuer, JWKS) {
	t.Helper()
	key, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	iss, err := NewIssuer(key, issuer, audience, time.Hour, fixedNow)
	if err != nil {
		t.Fatal(err)
	}
	jwk, err := PublicJWK(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return iss, JWKS{Keys: []JWK{jwk}}
}

func TestVerifyAcceptsIssuedToken(t *testing.T) {
	iss, set := newPair(t, "urn:test", "parcelgate")
	tok, err := iss.Issue(Principal{ID: "alice", ClientID: "acme"}, map[string]string{"p1": "admin"})
	if err != nil {
		t.Fatal(err)
	}
	v, err := NewVerifier(set, "urn:test", "parcelgate", fixedNow)
	if err != nil {
		t.Fatal(err)
	}
	id, err := v.Verify(tok)
	if err != nil {
		t.Fatal(err)
	}
	if id.ClientID != "acme" || id.PrincipalID != "alice" || id.Roles["p1"] != "admin" {
		t.Fatalf("identity = %+v", id)
	}
}

func TestVerifyRefuses(t *testing.T) {
	iss, set := newPair(t, "urn:test", "parcelgate")
	other, _ := newPair(t, "urn:test", "parcelgate")
	wrongAud, _ := newPair(t, "urn:test", "someone-else")
	wrongIss, _ := newPair(t, "urn:other", "parcelgate")
	p := Principal{ID: "alice", ClientID: "acme"}
	sign := func(i *Issuer) string {
		tok, err := i.Issue(p, nil)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	good := sign(iss)
	parts := strings.Split(good, ".")

	// alg "none": header swapped, signature dropped.
	noneHeader := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT","kid":"` + set.Keys[0].Kid + `"}`))
	algNone := noneHeader + "." + parts[1] + "."

	// HS256 keyed with the public key's coordinates: the classic algorithm confusion.
	hs := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"iss": "urn:test", "aud": "parcelgate", "sub": "alice", "client_id": "acme", "exp": t0.Add(time.Hour).Unix(), "iat": t0.Unix()})
	hs.Header["kid"] = set.Keys[0].Kid
	hsTok, err := hs.SignedString([]byte(set.Keys[0].X))
	if err != nil {
		t.Fatal(err)
	}

	// A claim changed after signing.
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(strings.Replace(string(payload), `"acme"`, `"evil"`, 1))) + "." + parts[2]

	// Tokens signed with the right key whose claims have the wrong types.
	resign := func(claims string) string {
		tok := jwt.New(jwt.SigningMethodES256)
		tok.Header["kid"] = set.Keys[0].Kid
		signing := parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(claims))
		sig, err := tok.Method.Sign(signing, iss.key)
		if err != nil {
			t.Fatal(err)
		}
		return signing + "." + base64.RawURLEncoding.EncodeToString(sig)
	}
	exp, iat := t0.Add(time.Hour).Unix(), t0.Unix()
	claimsWith := func(format string) string {
		return resign(fmt.Sprintf(format, exp, iat))
	}
	v, err := NewVerifier(set, "urn:test", "parcelgate", fixedNow)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(claimsWith(`{"iss":"urn:test","aud":"parcelgate","sub":"alice","client_id":"acme","exp":%d,"iat":%d}`)); err != nil {
		t.Fatalf("the re-signed control token is refused: %v", err)
	}

	cases := map[string]string{
		"exp a string":        claimsWith(`{"iss":"urn:test","aud":"parcelgate","sub":"alice","client_id":"acme","exp":"%d","iat":%d}`),
		"iat a string":        claimsWith(`{"iss":"urn:test","aud":"parcelgate","sub":"alice","client_id":"acme","exp":%d,"iat":"%d"}`),
		"exp null":            resign(fmt.Sprintf(`{"iss":"urn:test","aud":"parcelgate","sub":"alice","client_id":"acme","exp":null,"iat":%d}`, iat)),
		"sub a number":        claimsWith(`{"iss":"urn:test","aud":"parcelgate","sub":7,"client_id":"acme","exp":%d,"iat":%d}`),
		"client_id an array":  claimsWith(`{"iss":"urn:test","aud":"parcelgate","sub":"alice","client_id":["acme"],"exp":%d,"iat":%d}`),
		"aud of numbers":      claimsWith(`{"iss":"urn:test","aud":[1],"sub":"alice","client_id":"acme","exp":%d,"iat":%d}`),
		"duplicate client_id": claimsWith(`{"iss":"urn:test","aud":"parcelgate","sub":"alice","client_id":"acme","client_id":"evil","exp":%d,"iat":%d}`),
		"no exp":              resign(fmt.Sprintf(`{"iss":"urn:test","aud":"parcelgate","sub":"alice","client_id":"acme","iat":%d}`, iat)),
		"alg none":            algNone,
		"hs256 confusion":     hsTok,
		"wrong key":           sign(other),
		"wrong audience":      sign(wrongAud),
		"wrong issuer":        sign(wrongIss),
		"tampered":            tampered,
		"garbage":             "not-a-token",
		"empty":               "",
	}
	for name, tok := range cases {
		if _, err := v.Verify(tok); !errors.Is(err, ErrInvalidToken) {
			t.Errorf("%s: err = %v, want ErrInvalidToken", name, err)
		}
	}

	later, err := NewVerifier(set, "urn:test", "parcelgate", func() time.Time { return t0.Add(time.Hour + clockSkew + time.Second) })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := later.Verify(good); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("expired: err = %v", err)
	}
}

func TestJWKRoundTrip(t *testing.T) {
	key, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	pemBytes, err := EncodePrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParsePrivateKey(pemBytes)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := PublicJWK(&key.PublicKey)
	b, _ := PublicJWK(&back.PublicKey)
	if a != b {
		t.Fatalf("kid changed across PEM round trip: %v vs %v", a, b)
	}
	pub, err := a.PublicKey()
	if err != nil || !pub.Equal(&key.PublicKey) {
		t.Fatalf("jwk decode: %v", err)
	}
	if _, err := ParsePrivateKey([]byte("nope")); err == nil {
		t.Fatal("garbage PEM accepted")
	}
}
