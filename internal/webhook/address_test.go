package webhook

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/parcelgate/parcelgate/internal/input"
)

// Blocked are addresses no delivery may reach, IPv4 and every IPv6 form
// that embeds one.
var Blocked = []string{
	// IPv4.
	"127.0.0.1", "10.0.0.1", "172.16.5.4", "192.168.1.1", "169.254.169.254", "100.64.1.1", "0.0.0.0",
	"224.0.0.1", "198.18.0.1", "192.0.0.8", "192.88.99.1", "255.255.255.255", "240.0.0.1",
	// IPv6 ranges.
	"::", "::1", "fd00:ec2::254", "fe80::1", "fec0::1", "ff02::1", "100::1", "5f00::1",
	"2001:db8::1", "3fff::1", "2001:2::1", "2001:10::1", "2001:20::1",
	// IPv4-mapped, IPv4-compatible (deprecated, even when public) and SIIT.
	"::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254",
	"::127.0.0.1", "::169.254.169.254", "::8.8.8.8", "::ffff:0:127.0.0.1",
	// 6to4: 127.0.0.1, 169.254.169.254, 10.0.0.1, 192.168.1.1.
	"2002:7f00:1::1", "2002:a9fe:a9fe::1", "2002:a00:1::", "2002:c0a8:101::1",
	// Teredo: a public server (65.54.227.120) and client 127.0.0.1 or
	// 169.254.169.254 (inverted); server 10.0.0.1 and client 8.8.8.8.
	"2001:0:4136:e378:8000:63bf:80ff:fffe", "2001:0:4136:e378::5601:5601", "2001:0:a00:1::f7f7:f7f7",
	// NAT64: the well-known prefix with 127.0.0.1 and the metadata
	// address; the local-use prefix, whatever it embeds.
	"64:ff9b::7f00:1", "64:ff9b::169.254.169.254", "64:ff9b::10.1.2.3", "64:ff9b:1::a00:1", "64:ff9b:1::808:808",
	// ISATAP interface ids tunnelling to 127.0.0.1 and 169.254.169.254.
	"2606:4700::5efe:7f00:1", "2606:4700::200:5efe:a9fe:a9fe",
	// Zones name local interfaces.
	"fe80::1%eth0", "2606:4700:4700::1111%eth0",
}

// Reachable are public addresses, some embedded in IPv6 forms.
var Reachable = []string{
	"93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8", "2002:808:808::1",
	"2001:0:4136:e378:8000:63bf:f7f7:f7f7", "64:ff9b::808:808", "2606:4700::200:5efe:808:808",
}

func TestPublicJudgesEmbeddedIPv4(t *testing.T) {
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
