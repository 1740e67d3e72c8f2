package httpapi

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/parcelgate/parcelgate/internal/carrier"
	"github.com/parcelgate/parcelgate/internal/openapi/conformance"
)

// carrierGet sends a public GET to the API through the OpenAPI-validating
// transport, failing the test on any exchange the document does not allow.
func carrierGet(t *testing.T, path string) (*http.Response, []byte) {
	t.Helper()
	srv := httptest.NewServer(newTestAPI(t))
	t.Cleanup(srv.Close)
	var mu sync.Mutex
	var reports []error
	tr, err := conformance.NewValidatingTransport(nil, func(err error) {
		mu.Lock()
		defer mu.Unlock()
		reports = append(reports, err)
	})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := (&http.Client{Transport: tr}).Get(srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body json.RawMessage
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, err := range reports {
		t.Errorf("GET %s does not match the OpenAPI document: %v", path, err)
	}
	return resp, body
}

func TestListCarriers(t *testing.T) {
	resp, body := carrierGet(t, "/v1/carriers")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Cache-Control") != "public, max-age=86400" {
		t.Fatalf("%d, Cache-Control %q", resp.StatusCode, resp.Header.Get("Cache-Control"))
	}
	var got carrier.RegistryBody
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	want, _ := json.Marshal(carrier.RegistryJSON())
	if again, _ := json.Marshal(got); string(again) != string(want) {
		t.Error("the body is not the registry")
	}
	if !strings.Contains(string(body), `"trackingUrl":"https://www.royalmail.com/track-your-item#/tracking-results/{number}"`) {
		t.Error("no Royal Mail tracking page")
	}
}

func TestDetectCarrier(t *testing.T) {
	for _, tc := range []struct {
		number string
		status int
		want   string // substring of the body
	}{
		{"1z 999 aa1 01 2345 6784", 200, `"normalized":"1Z999AA10123456784","candidates":[{"carrier":"ups","format":"ups","checkDigit":"verified"}]`},
		{"9261292700768711948021", 200, `[{"carrier":"usps","format":"usps_impb_c","checkDigit":"verified"},{"carrier":"fedex","format":"fedex_smartpost","checkDigit":"verified"}]`},
		{"612345678901234567890123", 200, `{"carrier":"inpost","format":"inpost_24","checkDigit":"none"}`},
		{"hello", 200, `"candidates":[]`},
		{"", 400, `"code":"BAD_REQUEST"`},
		{"   ", 400, `"field":"trackingNumber"`},
		{strings.Repeat("1", 65), 400, `at most 64`},
	} {
		resp, body := carrierGet(t, "/v1/carriers/detect?trackingNumber="+url.QueryEscape(tc.number))
		if resp.StatusCode != tc.status || !strings.Contains(string(body), tc.want) {
			t.Errorf("%q: %d %s, want %d with %s", tc.number, resp.StatusCode, body, tc.status, tc.want)
		}
	}
	// No trackingNumber at all is the same 400.
	if resp, body := carrierGet(t, "/v1/carriers/detect"); resp.StatusCode != 400 || !strings.Contains(string(body), "required") {
		t.Errorf("no parameter: %d %s", resp.StatusCode, body)
	}
}

// TestTheTrackingPageLinksToTheCarriersOwnPage: the registry's page of
// the carrier, with the number, or no link where the registry has none.
func TestTheTrackingPageLinksToTheCarriersOwnPage(t *testing.T) {
	if name, url := carrierLink(carrier.UPS, "1Z999AA10123456784"); name != "UPS" || !strings.Contains(url, "1Z999AA10123456784") || !strings.HasPrefix(url, "https://") {
		t.Errorf("UPS link %s %s", name, url)
	}
	if name, url := carrierLink(carrier.Carrier("royal_mail"), "RB123456785GB"); name != "Royal Mail" || !strings.Contains(url, "RB123456785GB") {
		t.Errorf("Royal Mail link %s %s", name, url)
	}
	if name, url := carrierLink(carrier.Carrier("nobody"), "X"); name != "" || url != "" {
		t.Errorf("unknown carrier's link %s %s, want none", name, url)
	}
}
