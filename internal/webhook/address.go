package webhook

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/parcelgate/parcelgate/internal/input"
)

// loopbackHost is the one local host the dev knob allows.
const loopbackHost = "127.0.0.1"

// Targets decides which URLs may receive deliveries. In production only
// https URLs whose host resolves to public addresses; AllowLoopback (the
// dev server's PARCELGATE_WEBHOOK_ALLOW_LOOPBACK) also admits
// http://127.0.0.1:<port>, for a local receiver.
type Targets struct {
	AllowLoopback bool
	// Resolver looks hosts up; nil means net.DefaultResolver.
	Resolver *net.Resolver
}

// blocked are ranges no delivery may reach: besides what netip classifies
// (loopback, private, link-local, multicast, unspecified), shared address
// space, benchmarking, documentation and reserved ranges.
var blocked = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("192.0.2.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("198.51.100.0/24"),
	netip.MustParsePrefix("203.0.113.0/24"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("64:ff9b::/96"),
	netip.MustParsePrefix("2001:db8::/32"),
}

// Public tells whether a delivery may reach ip: not loopback, private
// (including the instance metadata service's fd00:ec2::254), link-local
// (169.254.169.254), multicast or otherwise reserved.
func Public(ip netip.Addr) bool {
	ip = ip.Unmap()
	if !ip.IsValid() || ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified() {
		return false
	}
	for _, p := range blocked {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

func (t Targets) allowed(ip netip.Addr) bool {
	return Public(ip) || (t.AllowLoopback && ip.Unmap() == netip.MustParseAddr(loopbackHost))
}

// Check validates an endpoint URL at registration: its form, and that its
// host resolves only to addresses a delivery may reach. The sender checks
// the address again at each connection (see Client), since DNS may answer
// differently later.
func (t Targets) Check(ctx context.Context, raw string) error {
	invalid := func(msg string) error { return &input.Error{Field: "url", Message: msg, Labelled: true} }
	if raw == "" {
		return invalid("required")
	}
	if len(raw) > MaxURLBytes {
		return invalid(fmt.Sprintf("at most %d bytes", MaxURLBytes))
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return invalid("must be an absolute URL like https://example.com/webhooks")
	}
	if u.User != nil {
		return invalid("must not contain credentials; authenticate deliveries with the signature")
	}
	if u.Fragment != "" {
		return invalid("must not contain a fragment")
	}
	host := u.Hostname()
	loopback := t.AllowLoopback && host == loopbackHost
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && loopback:
		if u.Port() == "" {
			return invalid("a local receiver needs a port: http://127.0.0.1:<port>/...")
		}
	default:
		return invalid("must be an https:// URL")
	}
	if loopback {
		return nil
	}
	if ip, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
		if !t.allowed(ip) {
			return invalid("must not point to a private, loopback, link-local or metadata address")
		}
		return nil
	}
	resolver := t.Resolver
	if resolver == nil {
		resolver = net.DefaultResolver
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	ips, err := resolver.LookupNetIP(ctx, "ip", host)
	if err != nil || len(ips) == 0 {
		return invalid("host " + host + " does not resolve")
	}
	for _, ip := range ips {
		if !t.allowed(ip) {
			return invalid("host " + host + " resolves to a private, loopback, link-local or metadata address")
		}
	}
	return nil
}

// errBlockedAddress is a connection refused because of where it leads.
var errBlockedAddress = errors.New("address not allowed for webhook delivery")

// Client returns the HTTP client deliveries use: it checks the address
// actually dialled, after DNS resolution, so a host that resolved to a
// public address at registration and to a private one now (DNS
// rebinding) is refused; it uses no proxy and follows no redirects (a
// redirect is a failed attempt).
func (t Targets) Client() *http.Client {
	dialer := &net.Dialer{
		Timeout: 5 * time.Second,
		Control: func(_, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil || !t.allowed(ap.Addr()) {
				return errBlockedAddress
			}
			return nil
		},
	}
	transport := &http.Transport{
		DialContext:           dialer.DialContext,
		TLSHandshakeTimeout:   5 * time.Second,
		ResponseHeaderTimeout: DeliveryTimeout,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       30 * time.Second,
	}
	return &http.Client{
		Transport:     transport,
		Timeout:       DeliveryTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// ParseSchedule reads a retry schedule like "1s,2s,4s" (the dev server's
// PARCELGATE_WEBHOOK_RETRY_SCHEDULE).
func ParseSchedule(s string) ([]time.Duration, error) {
	var out []time.Duration
	for _, part := range strings.Split(s, ",") {
		d, err := time.ParseDuration(strings.TrimSpace(part))
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("retry schedule %q: each entry must be a positive duration like 5s", s)
		}
		out = append(out, d)
	}
	return out, nil
}
