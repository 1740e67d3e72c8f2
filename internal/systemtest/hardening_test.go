package systemtest

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/parcelgate/parcelgate/internal/apitest"
	"github.com/parcelgate/parcelgate/internal/auth"
)

// Tokens signed with the deployment's own key whose claims have the
// wrong types or repeat: 401, as for any bad token.
func TestToken401StrictClaims(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	key, err := auth.ParsePrivateKey([]byte(e.Config.PrivateKeyPEM))
	if err != nil {
		t.Fatal(err)
	}
	jwk, err := auth.PublicJWK(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	now := e.Clock()
	sign := func(claims string) string {
		header := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"ES256","typ":"JWT","kid":"` + jwk.Kid + `"}`))
		signing := header + "." + base64.RawURLEncoding.EncodeToString([]byte(claims))
		sig, err := jwt.SigningMethodES256.Sign(signing, key)
		if err != nil {
			t.Fatal(err)
		}
		return signing + "." + base64.RawURLEncoding.EncodeToString(sig)
	}
	claims := func(exp string, extra string) string {
		return fmt.Sprintf(`{"iss":%q,"aud":%q,"sub":"ops-1","client_id":"ops","iat":%d,"exp":%s%s}`, e.Config.Issuer, e.Config.Audience, now.Unix(), exp, extra)
	}
	// The credential the tokens name: a token of no credential is refused.
	if _, err := e.API.Credentials.Create(context.Background(), "ops", "ops-1", "s3cret-of-ops-1-credential"); err != nil {
		t.Fatal(err)
	}
	future := fmt.Sprint(now.Add(time.Hour).Unix())
	e.Call(t, "GET", "/v1/projects", sign(claims(future, "")), nil).Want(t, 200)
	for name, tok := range map[string]string{
		"exp a string":        sign(claims(`"`+future+`"`, "")),
		"exp null":            sign(claims(`null`, "")),
		"exp an object":       sign(claims(`{}`, "")),
		"client_id repeated":  sign(claims(future, `,"client_id":"other"`)),
		"sub a number":        sign(strings.Replace(claims(future, ""), `"sub":"ops-1"`, `"sub":1`, 1)),
		"roles not an object": sign(claims(future, `,"roles":["admin"]`)),
		"gen a string":        sign(claims(future, `,"gen":"0"`)),
		"gen negative":        sign(claims(future, `,"gen":-1`)),
		"gen ahead":           sign(claims(future, `,"gen":7`)),
	} {
		t.Run(name, func(t *testing.T) {
			if code := e.Call(t, "GET", "/v1/projects", tok, nil).Want(t, 401).Problem(t); code != "UNAUTHORIZED" {
				t.Fatalf("code %s", code)
			}
		})
	}
}
