package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/parcelgate/parcelgate/internal/auth"
)

// cmdKeygen prints a new token-signing key and the JWKS that verifies it,
// the two values a deployment needs (see README, "Deploy").
func cmdKeygen(context.Context, []string) error {
	key, err := auth.GenerateKey()
	if err != nil {
		return err
	}
	pemBytes, err := auth.EncodePrivateKey(key)
	if err != nil {
		return err
	}
	jwk, err := auth.PublicJWK(&key.PublicKey)
	if err != nil {
		return err
	}
	jwks, err := json.Marshal(auth.JWKS{Keys: []auth.JWK{jwk}})
	if err != nil {
		return err
	}
	fmt.Printf("# Private key: store it as an SSM SecureString, never in the template.\n%s\n# JwtPublicJwks parameter:\n%s\n", pemBytes, jwks)
	return nil
}
