package systemtest

import (
	"net/netip"
	"os"
	"strings"
	"testing"

	"github.com/parcelgate/parcelgate/internal/apitest"
)

// addressURLs reads the webhook package's table of addresses and returns
// an https URL for each of verdict's ("blocked" or "reachable") that a
// URL can hold (not those with a zone), leaving out 127.0.0.1, which the
// test server admits as the dev server does.
func addressURLs(t *testing.T, verdict string) []string {
	b, err := os.ReadFile("../webhook/testdata/addresses.txt")
	if err != nil {
		t.Fatal(err)
	}
	var urls []string
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 || f[0] != verdict {
			continue
		}
		ip := netip.MustParseAddr(f[1])
		switch {
		case ip.Zone() != "" || f[1] == "127.0.0.1":
		case ip.Is4():
			urls = append(urls, "https://"+f[1]+":9000/hook")
		default:
			urls = append(urls, "https://["+f[1]+"]:9000/hook")
		}
	}
	return urls
}

// wantURLRefused asserts a 400 naming the url field.
func wantURLRefused(t *testing.T, r apitest.Response, u string) {
	t.Helper()
	var p struct {
		Code   string `json:"code"`
		Errors []struct{ Field, Message string }
	}
	if r.Status != 400 {
		t.Errorf("%q: status %d, want 400: %s", u, r.Status, r.Body)
		return
	}
	if r.JSON(t, &p); p.Code != "BAD_REQUEST" || len(p.Errors) != 1 || p.Errors[0].Field != "url" || p.Errors[0].Message == "" {
		t.Errorf("%q: %s", u, r.Body)
	}
}

// Every address the sender may not reach, in every IPv6 form that embeds
// an IPv4 one, and every URL other parsers could read differently, is
// refused at registration and on PATCH with a 400 naming url, and changes
// nothing; public addresses, embedded or not, are registered.
func TestWebhookURLsEmbeddingBlockedAddressesOrAmbiguousAre400(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	_, token := e.Token(t, "acme")
	p := createProject(t, e, token, "ssrf")
	base := "/v1/projects/" + p.ProjectID + "/webhooks"
	rc := newReceiver(t, nil)
	w := registerWebhook(t, e, token, p.ProjectID, rc, "job.completed")

	bad := append(addressURLs(t, "blocked"),
		// The reported ones.
		"https://[::127.0.0.1]:9000/", "https://[2002:7f00:1::1]/", "https://[2002:a9fe:a9fe::1]/latest/meta-data/",
		"https://93.184.216.34:0/", "https://93.184.216.34:99999/", "https://93.184.216.34/a b",
		// Ports, control characters, backslashes, userinfo, fragments,
		// percent-encoded hosts and zones, hosts read as IPv4 elsewhere.
		"https://93.184.216.34:/", "https://93.184.216.34:0443/", "https://93.184.216.34:https/",
		"https://93.184.216.34/\x00", "https://93.184.216.34/\t", "https://93.184.216.34/é",
		`https://93.184.216.34\@example.com/`, "https://u@93.184.216.34/", "https://93.184.216.34/#",
		"https://%31%32%37.0.0.1/", "https://[fe80::1%25eth0]/", "https://[2606:4700:4700::1111%25eth0]/",
		"https://127.1/", "https://0x7f.0.0.1/", "https://2130706433/", "https://0177.0.0.1/", "https://93.184.216.34./",
		"https:///hook", "http://127.0.0.1:0/", "http://127.0.0.1:65536/", "http://[::ffff:127.0.0.1]:8080/",
	)
	for _, u := range bad {
		wantURLRefused(t, e.Call(t, "POST", base, token, map[string]any{"url": u, "events": []string{"job.completed"}}), u)
		wantURLRefused(t, e.Call(t, "PATCH", base+"/"+w.WebhookID, token, map[string]any{"url": u, "enabled": false}), u)
	}
	var list listOut[webhookOut]
	e.Call(t, "GET", base, token, nil).Want(t, 200).JSON(t, &list)
	if len(list.Items) != 1 || list.Items[0].URL != w.URL || !list.Items[0].Enabled {
		t.Fatalf("after the refusals: %+v, want only %+v unchanged", list.Items, w)
	}

	for _, u := range addressURLs(t, "reachable") {
		e.Call(t, "POST", base, token, map[string]any{"url": u, "events": []string{"job.completed"}}).Want(t, 201)
	}
}
