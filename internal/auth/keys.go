package auth

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
)

// Tokens are signed with ES256: asymmetric, so the functions that only
// verify tokens never hold the signing key, and small signatures.

// JWK is a public EC key in JSON Web Key form (RFC 7517).
type JWK struct {
	Kty string `json:"kty"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Y   string `json:"y"`
	Kid string `json:"kid"`
	Use string `json:"use"`
	Alg string `json:"alg"`
}

// JWKS is a JSON Web Key Set.
type JWKS struct {
	Keys []JWK `json:"keys"`
}

// GenerateKey returns a new P-256 signing key.
func GenerateKey() (*ecdsa.PrivateKey, error) {
	return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
}

// EncodePrivateKey returns key as a PKCS#8 PEM block.
func EncodePrivateKey(key *ecdsa.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// ParsePrivateKey reads a PKCS#8 or SEC 1 PEM P-256 key.
func ParsePrivateKey(data []byte) (*ecdsa.PrivateKey, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("signing key: no PEM block")
	}
	var key any
	var err error
	switch block.Type {
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(block.Bytes)
	default:
		return nil, fmt.Errorf("signing key: unsupported PEM type %q", block.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	ec, ok := key.(*ecdsa.PrivateKey)
	if !ok || ec.Curve != elliptic.P256() {
		return nil, errors.New("signing key: want an ECDSA P-256 key")
	}
	return ec, nil
}

// PublicJWK describes pub as a JWK whose kid is its RFC 7638 thumbprint,
// so the same key always gets the same kid wherever it is loaded.
func PublicJWK(pub *ecdsa.PublicKey) (JWK, error) {
	raw, err := pub.Bytes()
	if err != nil {
		return JWK{}, err
	}
	if pub.Curve != elliptic.P256() || len(raw) != 65 {
		return JWK{}, errors.New("want a P-256 public key")
	}
	enc := base64.RawURLEncoding
	k := JWK{Kty: "EC", Crv: "P-256", X: enc.EncodeToString(raw[1:33]), Y: enc.EncodeToString(raw[33:]), Use: "sig", Alg: "ES256"}
	// Members in lexicographic order, no whitespace, as RFC 7638 requires.
	canonical := fmt.Sprintf(`{"crv":"%s","kty":"%s","x":"%s","y":"%s"}`, k.Crv, k.Kty, k.X, k.Y)
	sum := sha256.Sum256([]byte(canonical))
	k.Kid = enc.EncodeToString(sum[:])
	return k, nil
}

// PublicKey decodes the EC key of k.
func (k JWK) PublicKey() (*ecdsa.PublicKey, error) {
	if k.Kty != "EC" || k.Crv != "P-256" {
		return nil, fmt.Errorf("jwk %q: want an EC P-256 key", k.Kid)
	}
	x, errX := base64.RawURLEncoding.DecodeString(k.X)
	y, errY := base64.RawURLEncoding.DecodeString(k.Y)
	if errX != nil || errY != nil || len(x) != 32 || len(y) != 32 {
		return nil, fmt.Errorf("jwk %q: bad coordinates", k.Kid)
	}
	point := append(append([]byte{4}, x...), y...)
	return ecdsa.ParseUncompressedPublicKey(elliptic.P256(), point)
}

// ParseJWKS reads a key set, as published at /.well-known/jwks.json.
func ParseJWKS(data []byte) (JWKS, error) {
	var set JWKS
	if err := json.Unmarshal(data, &set); err != nil {
		return JWKS{}, fmt.Errorf("jwks: %w", err)
	}
	if len(set.Keys) == 0 {
		return JWKS{}, errors.New("jwks: no keys")
	}
	for _, k := range set.Keys {
		if _, err := k.PublicKey(); err != nil {
			return JWKS{}, err
		}
	}
	return set, nil
}
