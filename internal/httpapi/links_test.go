package httpapi

import (
	"net/http/httptest"
	"testing"
)

func TestPublicURLKeepsTheStageAPIGatewayStrips(t *testing.T) {
	cases := []struct {
		name, proto, prefix, want string
	}{
		{"local dev server", "", "", "http://example.test/v1/x"},
		{"execute-api domain", "https", "/prod", "https://example.test/prod/v1/x"},
		{"custom domain at its root", "https", "", "https://example.test/v1/x"},
		{"odd forwarded scheme", "gopher", "", "http://example.test/v1/x"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "http://example.test/v1/x", nil)
			if c.proto != "" {
				r.Header.Set("X-Forwarded-Proto", c.proto)
			}
			if c.prefix != "" {
				r.Header.Set(BasePathHeader, c.prefix)
			}
			if got := publicURL(r, "/v1/x"); got != c.want {
				t.Fatalf("got %s, want %s", got, c.want)
			}
		})
	}
}
