package webhook

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/parcelgate/parcelgate/internal/input"
)

// loopbackHost is the one local host the dev knob allows.
const loopbackHost = "127.0.0.1"

// lookupTimeout bounds one resolution of an endpoint's host.
const lookupTimeout = 5 * time.Second

// Targets decides which URLs may receive deliveries. In production only
// https URLs whose host resolves to public addresses; AllowLoopback (the
// dev server's PARCELGATE_WEBHOOK_ALLOW_LOOPBACK) also admits
// http://127.0.0.1:<port>, for a local receiver.
type Targets struct {
	AllowLoopback bool
	// Resolver looks hosts up, at registration and at each connection;
	// nil means net.DefaultResolver.
	Resolver Resolver
}

// Resolver looks a host's addresses up; *net.Resolver is one.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

func (t Targets) allowed(ip netip.Addr) bool {
	return Public(ip) || (t.AllowLoopback && ip == netip.MustParseAddr(loopbackHost))
}

// lookup returns the addresses of host: itself when it is an address.
func (t Targets) lookup(ctx context.Context, host string) ([]netip.Addr, error) {
	if ip, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{ip}, nil
	}
	resolver := t.Resolver
	if resolver == nil {
		resolver = net.DefaultResolver
	}
	ctx, cancel := context.WithTimeout(ctx, lookupTimeout)
	defer cancel()
	ips, err := resolver.LookupNetIP(ctx, "ip", host)
	if err == nil && len(ips) == 0 {
		err = fmt.Errorf("no address for %s", host)
	}
	return ips, err
}

// Check validates an endpoint URL at registration: its form (see
// checkForm), and that its host resolves only to addresses a delivery may
// reach. The sender checks the addresses again at each connection (see
// Client), since DNS may answer differently later.
func (t Targets) Check(ctx context.Context, raw string) error {
	invalid := func(msg string) error { return &input.Error{Field: "url", Message: msg, Labelled: true} }
	if raw == "" {
		return invalid("required")
	}
	if len(raw) > MaxURLBytes {
		return invalid(fmt.Sprintf("at most %d bytes", MaxURLBytes))
	}
	u, msg := checkForm(raw)
	if msg != "" {
		return invalid(msg)
	}
	host := u.Hostname()
	loopback := t.AllowLoopback && host == loopbackHost
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && loopback:
		if u.Port() == "" {
			return invalid("a local receiver needs a port: http://127.0.0.1:<port>/...")
		}
		return nil
	default:
		return invalid("must be an https:// URL")
	}
	ips, err := t.lookup(ctx, host)
	if err != nil {
		return invalid("host " + host + " does not resolve")
	}
	for _, ip := range ips {
		if !t.allowed(ip) {
			if _, err := netip.ParseAddr(host); err == nil {
				return invalid("must not point to a private, loopback, link-local, metadata or reserved address, nor an IPv6 address embedding one")
			}
			return invalid("host " + host + " resolves to a private, loopback, link-local, metadata or reserved address")
		}
	}
	return nil
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
