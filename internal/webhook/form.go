package webhook

import (
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// checkForm parses an endpoint URL in a strict form, one that every URL
// parser on the way (ours, the receiver's proxy, a WHATWG browser-style
// one) reads alike, and returns a message saying what is wrong, or "".
// Refused: anything but printable ASCII (spaces, control characters and
// raw international text alike), backslashes (WHATWG reads them as
// slashes), fragments, credentials, percent-encoding in the authority (a
// host or an IPv6 zone), ports outside 1–65535 or written with a sign or
// leading zero, and hosts that some parsers read as an IPv4 address but
// ours does not (127.1, 0x7f.0.0.1, 2130706433, 0177.0.0.1, 127.0.0.1.).
func checkForm(raw string) (*url.URL, string) {
	for i := 0; i < len(raw); i++ {
		if c := raw[i]; c <= ' ' || c >= 0x7f {
			return nil, "must be printable ASCII without spaces: percent-encode other characters, and write an international domain name in its xn-- form"
		}
	}
	switch {
	case strings.Contains(raw, `\`):
		return nil, "must not contain backslashes"
	case strings.Contains(raw, "#"):
		return nil, "must not contain a fragment"
	}
	u, err := url.Parse(raw)
	if err != nil || u.Opaque != "" || u.Host == "" {
		return nil, "must be an absolute URL like https://example.com/webhooks"
	}
	if u.User != nil {
		return nil, "must not contain credentials; authenticate deliveries with the signature"
	}
	if strings.Contains(u.Host, "%") {
		return nil, "must not percent-encode the host or name an IPv6 zone"
	}
	if _, port, ok := strings.Cut(strings.TrimPrefix(u.Host, "["+u.Hostname()+"]"), ":"); ok {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 || strconv.Itoa(n) != port {
			return nil, "the port must be a number from 1 to 65535"
		}
	}
	if msg := checkHost(u.Hostname(), strings.HasPrefix(u.Host, "[")); msg != "" {
		return nil, msg
	}
	return u, ""
}

// checkHost checks a URL's host: an IPv6 address in brackets, an IPv4
// address in dotted decimal, or a DNS name.
func checkHost(host string, bracketed bool) string {
	if bracketed {
		if ip, err := netip.ParseAddr(host); err != nil || !ip.Is6() {
			return "the host in brackets must be an IPv6 address"
		}
		return ""
	}
	labels := strings.Split(strings.TrimSuffix(host, "."), ".")
	if last := strings.ToLower(labels[len(labels)-1]); numeric(last) {
		// WHATWG parsers read a host ending in a number as IPv4, in
		// decimal, octal or hex, with fewer than four parts.
		if ip, err := netip.ParseAddr(host); err != nil || !ip.Is4() {
			return "write an IPv4 address in dotted decimal, like 93.184.216.34"
		}
		return ""
	}
	if len(host) > 253 {
		return "the host name is longer than 253 bytes"
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' || strings.Trim(l, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") != "" {
			return "the host must be a DNS name of letters, digits and hyphens, an IPv4 address or an IPv6 address in brackets"
		}
	}
	return ""
}

// numeric tells whether a host's last label makes a WHATWG parser read
// the host as an IPv4 address: decimal digits, or 0x and hex digits.
func numeric(label string) bool {
	if hex, ok := strings.CutPrefix(label, "0x"); ok {
		return strings.Trim(hex, "0123456789abcdef") == ""
	}
	return label != "" && strings.Trim(label, "0123456789") == ""
}
