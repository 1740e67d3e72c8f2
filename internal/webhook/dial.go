package webhook

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"syscall"
	"time"
)

// errBlockedAddress is a connection refused because of where it leads.
var errBlockedAddress = errors.New("address not allowed for webhook delivery")

// Client returns the HTTP client deliveries use. It resolves each host
// itself and refuses the connection when any of its addresses is one a
// delivery may not reach, so a host that resolved to a public address at
// registration and to a private one now (DNS rebinding) is refused; the
// dialer's Control checks the address of each socket again, whatever led
// to it. It uses no proxy and follows no redirects (a redirect is a
// failed attempt).
func (t Targets) Client() *http.Client {
	transport := &http.Transport{
		DialContext:           t.dialer().DialContext,
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

// dialer connects to a checked host's addresses in turn.
type dialer struct {
	targets Targets
	net     net.Dialer
}

func (t Targets) dialer() *dialer {
	d := &dialer{targets: t}
	d.net = net.Dialer{Timeout: 5 * time.Second, Control: t.control}
	return d
}

// DialContext resolves address's host with the Targets' resolver, refuses
// it unless every address is allowed, and dials them until one answers.
func (d *dialer) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		return nil, err
	}
	n, err := strconv.ParseUint(port, 10, 16)
	if err != nil || n == 0 {
		return nil, errBlockedAddress
	}
	ips, err := d.targets.lookup(ctx, host)
	if err != nil {
		return nil, err
	}
	for _, ip := range ips {
		if !d.targets.allowed(ip) {
			return nil, errBlockedAddress
		}
	}
	var first error
	for _, ip := range ips {
		conn, err := d.net.DialContext(ctx, network, netip.AddrPortFrom(ip, uint16(n)).String())
		if err == nil {
			return conn, nil
		}
		if first == nil {
			first = err
		}
	}
	return nil, first
}

// control refuses a socket about to connect to an address a delivery may
// not reach.
func (t Targets) control(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil || ap.Port() == 0 || !t.allowed(ap.Addr()) {
		return errBlockedAddress
	}
	return nil
}
