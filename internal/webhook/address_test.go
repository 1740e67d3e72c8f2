package webhook

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/parcelgate/parcelgate/internal/input"
)

// Blocked and Reachable are the addresses of testdata/addresses.txt.
var Blocked, Reachable = addresses()

func addresses() (blocked, reachable []string) {
	b, err := os.ReadFile("testdata/addresses.txt")
	if err != nil {
		panic(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) < 2 || strings.HasPrefix(f[0], "#"):
		case f[0] == "blocked":
			blocked = append(blocked, f[1])
		case f[0] == "reachable":
			reachable = append(reachable, f[1])
		default:
			panic("testdata/addresses.txt: " + line)
		}
	}
	return blocked, reachable
}

func TestPublicJudgesEmbeddedIPv4(t *testing.T) {
	if len(Blocked) < 50 || len(Reachable) < 8 {
		t.Fatalf("testdata/addresses.txt read as %d blocked and %d reachable addresses", len(Blocked), len(Reachable))
	}
	for _, s := range Blocked {
		if Public(netip.MustParseAddr(s)) {
			t.Errorf("%s counted public", s)
		}
	}
	for _, s := range Reachable {
		if !Public(netip.MustParseAddr(s)) {
			t.Errorf("%s counted not public", s)
		}
	}
}

// fakeDNS answers lookups from a map, as a rebinding attacker's DNS
// server would answer whatever it likes.
type fakeDNS map[string][]netip.Addr

func (f fakeDNS) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if ips, ok := f[host]; ok {
		return ips, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

func urlOf(addr string) string {
	ip := netip.MustParseAddr(addr)
	if ip.Is4() {
		return "https://" + addr + ":9000/hook"
	}
	return "https://[" + addr + "]:9000/hook"
}

func refused(t *testing.T, tg Targets, u string) {
	t.Helper()
	var invalid *input.Error
	if err := tg.Check(context.Background(), u); !errors.As(err, &invalid) || invalid.Field != "url" {
		t.Errorf("%q: %v, want a url input error", u, err)
	}
}

// blockedHost is a host name that resolves to Blocked[i] and, when
// mixed, to a public address first.
func blockedHost(i int, mixed bool) string {
	if mixed {
		return fmt.Sprintf("mixed%d.rebind.example", i)
	}
	return fmt.Sprintf("blocked%d.rebind.example", i)
}

// rebindingDNS resolves the blocked hosts, and hooks.example.com to
// public addresses.
func rebindingDNS() fakeDNS {
	public := netip.MustParseAddr("93.184.216.34")
	dns := fakeDNS{"hooks.example.com": {public, netip.MustParseAddr("2606:4700:4700::1111")}}
	for i, s := range Blocked {
		ip := netip.MustParseAddr(s)
		dns[blockedHost(i, false)] = []netip.Addr{ip}
		dns[blockedHost(i, true)] = []netip.Addr{public, ip}
	}
	return dns
}

func TestCheckRefusesBlockedAddressesWrittenOrResolved(t *testing.T) {
	tg := Targets{Resolver: rebindingDNS()}
	for i, s := range Blocked {
		if netip.MustParseAddr(s).Zone() == "" {
			refused(t, tg, urlOf(s))
		}
		refused(t, tg, "https://"+blockedHost(i, false)+"/hook")
		refused(t, tg, "https://"+blockedHost(i, true)+"/hook")
	}
	for _, s := range Reachable {
		if err := tg.Check(context.Background(), urlOf(s)); err != nil {
			t.Errorf("%s refused: %v", urlOf(s), err)
		}
	}
	for _, u := range []string{"https://hooks.example.com/x?y=1&z=%20", "https://hooks.example.com:8443/", "https://hooks.example.com:65535/a/b"} {
		if err := tg.Check(context.Background(), u); err != nil {
			t.Errorf("%s refused: %v", u, err)
		}
	}
	refused(t, tg, "https://nowhere.example.com/")
}

func TestCheckRefusesAmbiguousURLs(t *testing.T) {
	tg := Targets{Resolver: fakeDNS{"hooks.example.com": {netip.MustParseAddr("93.184.216.34")}}}
	for _, u := range []string{
		"", "http://93.184.216.34/hook", "ftp://93.184.216.34/", "/relative", "//93.184.216.34/", "https:93.184.216.34",
		"https:/93.184.216.34/", "https:///hook", "https://:443/",
		"https://" + strings.Repeat("a", MaxURLBytes) + ".com/",
		// Ports.
		"https://hooks.example.com:0/", "https://hooks.example.com:99999/", "https://hooks.example.com:65536/",
		"https://hooks.example.com:/", "https://hooks.example.com:0443/", "https://hooks.example.com:https/",
		"https://[2606:4700:4700::1111]:0/", "https://93.184.216.34:-1/",
		// Spaces, control characters, raw non-ASCII, backslashes.
		"https://hooks.example.com/a b", " https://hooks.example.com/", "https://hooks.example.com/\t",
		"https://hooks.example.com/a\x00", "https://hooks.example.com/\x7f", "https://hooks.example.com/é",
		"https://bücher.example/", `https://hooks.example.com\@93.184.216.34/`, `https://hooks.example.com/a\b`,
		// Credentials, fragments, percent-encoding in the authority.
		"https://user:pw@93.184.216.34/", "https://user@hooks.example.com/", "https://@hooks.example.com/",
		"https://93.184.216.34/#frag", "https://93.184.216.34/#", "https://%31%32%37.0.0.1/",
		"https://[fe80::1%25eth0]/", "https://[2606:4700:4700::1111%25eth0]/",
		// Hosts other parsers read as IPv4.
		"https://127.1/", "https://0x7f.0.0.1/", "https://0x7f000001/", "https://2130706433/", "https://0177.0.0.1/",
		"https://93.184.216.34./", "https://93.184.216.034/", "https://1.2.3.4.5/",
		// Not a host name.
		"https://[93.184.216.34]/", "https://exa_mple-.com/", "https://-a.example.com/", "https://a..example.com/",
		"https://" + strings.Repeat("a", 64) + ".example.com/", "https://hooks.example.com;x/",
	} {
		refused(t, tg, u)
	}
}

func TestCheckAdmitsTheLocalReceiverOnlyInDev(t *testing.T) {
	ctx := context.Background()
	dev := Targets{AllowLoopback: true, Resolver: fakeDNS{"localhost": {netip.MustParseAddr("127.0.0.1")}}}
	if err := dev.Check(ctx, "http://127.0.0.1:8080/hook"); err != nil {
		t.Errorf("dev refused the local receiver: %v", err)
	}
	refused(t, Targets{}, "http://127.0.0.1:8080/")
	for _, u := range []string{
		"http://127.0.0.1/hook", "http://127.0.0.1:0/", "http://127.0.0.1:99999/", "http://127.0.0.2:8080/",
		"http://localhost:8080/", "http://10.0.0.1:80/", "http://[::ffff:127.0.0.1]:8080/", "http://[::127.0.0.1]:8080/",
	} {
		refused(t, dev, u)
	}
}

// The sender checks the addresses it connects to, after DNS: a host name
// that resolves to a blocked address (as a rebinding attacker's would) is
// refused at connection time, not only at registration, and so is a
// blocked address written in the URL.
func TestClientRefusesBlockedAddressesWhenDialling(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	port := srv.URL[strings.LastIndex(srv.URL, ":"):]
	dns := rebindingDNS()
	dns["receiver.test"] = []netip.Addr{netip.MustParseAddr("127.0.0.1")}
	urls := []string{srv.URL, "http://receiver.test" + port}
	for i, s := range Blocked {
		urls = append(urls, "https://"+blockedHost(i, false)+"/", "https://"+blockedHost(i, true)+"/")
		if netip.MustParseAddr(s).Zone() == "" {
			urls = append(urls, urlOf(s))
		}
	}
	prod := Targets{Resolver: dns}
	for _, u := range urls {
		resp, err := prod.Client().Get(u)
		if err == nil {
			resp.Body.Close()
			t.Fatalf("%s reached in production", u)
		}
		if !errors.Is(err, errBlockedAddress) {
			t.Errorf("%s: %v, want the blocked-address error", u, err)
		}
	}
	for _, s := range Blocked {
		ip := netip.MustParseAddr(s)
		if err := prod.control("tcp", netip.AddrPortFrom(ip, 443).String(), nil); !errors.Is(err, errBlockedAddress) {
			t.Errorf("control let %s through: %v", s, err)
		}
	}
	if err := prod.control("tcp", "93.184.216.34:0", nil); !errors.Is(err, errBlockedAddress) {
		t.Errorf("control let port 0 through: %v", err)
	}
	dev := Targets{AllowLoopback: true, Resolver: dns}
	for _, u := range []string{srv.URL, "http://receiver.test" + port} {
		resp, err := dev.Client().Get(u)
		if err != nil {
			t.Fatalf("dev client, %s: %v", u, err)
		}
		resp.Body.Close()
	}
}

// Whatever a URL holds, Check accepts it only in the strict form: no
// byte outside printable ASCII, no backslash or fragment, a port from 1
// to 65535, a host that resolves (here) to a public address only.
func FuzzCheck(f *testing.F) {
	for _, s := range []string{"https://hooks.example.com:8443/a?b=c", "https://[::127.0.0.1]:9000/", "https://[2002:a9fe:a9fe::1]/",
		"https://hooks.example.com:99999/", "https://hooks.example.com/a b", "https://0x7f.1/", "https://93.184.216.34/"} {
		f.Add(s)
	}
	tg := Targets{Resolver: rebindingDNS()}
	f.Fuzz(func(t *testing.T, raw string) {
		if tg.Check(context.Background(), raw) != nil {
			return
		}
		if strings.ContainsAny(raw, "\\# \t\n\x00\x7f") || strings.IndexFunc(raw, func(r rune) bool { return r > 0x7e }) >= 0 {
			t.Fatalf("%q accepted", raw)
		}
		u, err := url.Parse(raw)
		if err != nil || u.Scheme != "https" || u.User != nil {
			t.Fatalf("%q accepted: %+v %v", raw, u, err)
		}
		if p := u.Port(); p != "" {
			if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
				t.Fatalf("%q accepted with port %q", raw, p)
			}
		}
		ips, err := tg.lookup(context.Background(), u.Hostname())
		for _, ip := range ips {
			if err != nil || !Public(ip) {
				t.Fatalf("%q accepted: %v resolves to %v", raw, err, ips)
			}
		}
	})
}
