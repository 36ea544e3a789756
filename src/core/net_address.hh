// Client addresses: IPv4 and IPv6 addresses and CIDR ranges, the client
// behind trusted reverse proxies (X-Forwarded-For), and the key under which
// the per-address limits count a client (an IPv6 client by its /64, which
// one subscriber usually holds whole).
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace auth {

// An IPv4 address is kept as its IPv4-mapped IPv6 form (::ffff:a.b.c.d),
// so that "10.0.0.1" and "::ffff:10.0.0.1" are the same client.
struct IpAddress {
    std::array<std::uint8_t, 16> bytes{};
    bool is_v4() const;
    // The usual text: dotted IPv4, or RFC 5952 IPv6.
    std::string text() const;
};

struct IpRange {
    IpAddress base;
    int prefix = 128;  // of the 128 bits (an IPv4 /24 is 96 + 24)
    bool contains(const IpAddress& address) const;
};

// A bare address ("192.0.2.7", "2001:db8::1", "[2001:db8::1]"), or nothing.
std::optional<IpAddress> parse_ip(std::string_view text);

// An address or a CIDR range ("10.0.0.0/8", "2001:db8::/32"), or nothing.
// Bits set past the prefix are refused (a typo, not a range).
std::optional<IpRange> parse_ip_range(std::string_view text);

// The client of a request that came from `remote_addr` with this
// X-Forwarded-For header ("" if none). Unless `remote_addr` is one of the
// trusted proxies, it is the client. Otherwise the header is read from the
// right, skipping trusted hops: the first untrusted one is the client (all
// trusted: the leftmost). A malformed header or hop leaves `remote_addr`.
std::string client_address(std::string_view remote_addr, std::string_view forwarded_for,
                           const std::vector<IpRange>& trusted);

// What the per-address limits count: an IPv4 address as it is, an IPv6 one
// as its /64 ("2001:db8:1:2::/64"), anything unreadable as it is.
std::string address_for_limits(std::string_view ip);

}  // namespace auth
