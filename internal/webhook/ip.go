package webhook

import "net/netip"

// blocked4 are IPv4 ranges no delivery may reach besides what netip
// classifies (loopback, private, link-local, multicast, unspecified):
// "this network", shared address space, IETF protocol assignments,
// documentation, benchmarking, the deprecated 6to4 relay anycast and the
// reserved 240/4 (with broadcast).
var blocked4 = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("192.0.2.0/24"),
	netip.MustParsePrefix("192.88.99.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("198.51.100.0/24"),
	netip.MustParsePrefix("203.0.113.0/24"),
	netip.MustParsePrefix("240.0.0.0/4"),
}

// IPv6 ranges. Only global unicast (2000::/3) is reachable, which leaves
// out loopback, unique-local (the metadata service's fd00:ec2::254),
// link- and site-local, multicast, discard-only, IPv4-compatible
// (::a.b.c.d, deprecated and routed by nothing we run), SIIT's
// ::ffff:0:a.b.c.d and the local-use NAT64 prefix 64:ff9b:1::/48, whose
// IPv4 address sits where its operator chose, so cannot be checked. The
// ranges that embed an IPv4 address in a known place are judged by it,
// since a translator or relay on the way would deliver to it.
var (
	globalUnicast = netip.MustParsePrefix("2000::/3")
	// nat64: the well-known NAT64 prefix; the IPv4 address is the last
	// 32 bits.
	nat64 = netip.MustParsePrefix("64:ff9b::/96")
	// sixToFour: 6to4; the IPv4 address is bits 16–47.
	sixToFour = netip.MustParsePrefix("2002::/16")
	// teredo: the server's IPv4 address is bits 32–63, the client's the
	// last 32 bits inverted.
	teredo = netip.MustParsePrefix("2001::/32")
	// blocked6 are special ranges within 2000::/3: the rest of the IETF
	// protocol assignments (benchmarking, ORCHID, anycast services) and
	// the documentation ranges.
	blocked6 = []netip.Prefix{
		netip.MustParsePrefix("2001::/23"),
		netip.MustParsePrefix("2001:db8::/32"),
		netip.MustParsePrefix("3fff::/20"),
	}
)

// Public tells whether a delivery may reach ip: not loopback, private,
// link-local (169.254.169.254), metadata, shared, multicast or otherwise
// reserved, nor an IPv6 address that embeds such an IPv4 address
// (IPv4-mapped, NAT64, 6to4, Teredo, an ISATAP interface id) or that
// cannot be judged. An address with a zone is never public: a zone names
// a local interface.
func Public(ip netip.Addr) bool {
	if !ip.IsValid() || ip.Zone() != "" {
		return false
	}
	ip = ip.Unmap()
	if ip.Is4() {
		return public4(ip)
	}
	b := ip.As16()
	if nat64.Contains(ip) {
		return public4(v4(b[12:]))
	}
	if !globalUnicast.Contains(ip) {
		return false
	}
	switch {
	case sixToFour.Contains(ip):
		if !public4(v4(b[2:6])) {
			return false
		}
	case teredo.Contains(ip):
		client := [4]byte{^b[12], ^b[13], ^b[14], ^b[15]}
		if !public4(v4(b[4:8])) || !public4(netip.AddrFrom4(client)) {
			return false
		}
	default:
		for _, p := range blocked6 {
			if p.Contains(ip) {
				return false
			}
		}
	}
	// ISATAP: interface id 0000:5efe or 0200:5efe (the u bit, and the
	// g bit, free) followed by the IPv4 address of the host it tunnels to.
	if b[8]&^0x03 == 0 && b[9] == 0 && b[10] == 0x5e && b[11] == 0xfe && !public4(v4(b[12:])) {
		return false
	}
	return true
}

func v4(b []byte) netip.Addr { return netip.AddrFrom4([4]byte(b)) }

func public4(ip netip.Addr) bool {
	if ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsMulticast() || ip.IsUnspecified() {
		return false
	}
	for _, p := range blocked4 {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}
