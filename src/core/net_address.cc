#include "core/net_address.hh"

#include <arpa/inet.h>

#include <cstring>

namespace auth {

namespace {

constexpr std::uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

bool valid_port(std::string_view port) {
    if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string_view::npos) return false;
    long n = 0;
    for (char c : port) n = n * 10 + (c - '0');
    return n >= 1 && n <= 65535;
}

// A hop of X-Forwarded-For: an address, "[v6]", "[v6]:port" or "v4:port".
std::optional<IpAddress> parse_hop(std::string_view hop) {
    if (auto a = parse_ip(hop)) return a;
    if (!hop.empty() && hop.front() == '[') {
        auto close = hop.find(']');
        if (close == std::string_view::npos || close + 1 >= hop.size() || hop[close + 1] != ':') return std::nullopt;
        if (!valid_port(hop.substr(close + 2))) return std::nullopt;
        return parse_ip(hop.substr(1, close - 1));
    }
    auto colon = hop.find(':');
    if (colon == std::string_view::npos || hop.find(':', colon + 1) != std::string_view::npos) return std::nullopt;
    if (!valid_port(hop.substr(colon + 1))) return std::nullopt;
    auto a = parse_ip(hop.substr(0, colon));
    if (!a || !a->is_v4()) return std::nullopt;
    return a;
}

bool trusted_by(const std::vector<IpRange>& trusted, const IpAddress& a) {
    for (const auto& range : trusted)
        if (range.contains(a)) return true;
    return false;
}

}  // namespace

bool IpAddress::is_v4() const { return std::memcmp(bytes.data(), kMapped, sizeof kMapped) == 0; }

std::string IpAddress::text() const {
    char buf[INET6_ADDRSTRLEN];
    if (is_v4()) return inet_ntop(AF_INET, bytes.data() + 12, buf, sizeof buf) ? buf : "";
    return inet_ntop(AF_INET6, bytes.data(), buf, sizeof buf) ? buf : "";
}

bool IpRange::contains(const IpAddress& address) const {
    int bits = prefix;
    for (std::size_t i = 0; i < 16 && bits > 0; ++i, bits -= 8) {
        std::uint8_t mask = bits >= 8 ? 0xff : static_cast<std::uint8_t>(0xff << (8 - bits));
        if ((address.bytes[i] & mask) != (base.bytes[i] & mask)) return false;
    }
    return true;
}

std::optional<IpAddress> parse_ip(std::string_view text) {
    if (text.size() >= 2 && text.front() == '[' && text.back() == ']') text = text.substr(1, text.size() - 2);
    if (text.empty() || text.size() >= INET6_ADDRSTRLEN) return std::nullopt;
    std::string s(text);  // NUL-terminated for inet_pton
    IpAddress a;
    if (s.find(':') == std::string::npos) {
        if (inet_pton(AF_INET, s.c_str(), a.bytes.data() + 12) != 1) return std::nullopt;
        std::memcpy(a.bytes.data(), kMapped, sizeof kMapped);
        return a;
    }
    if (inet_pton(AF_INET6, s.c_str(), a.bytes.data()) != 1) return std::nullopt;
    return a;
}

std::optional<IpRange> parse_ip_range(std::string_view text) {
    auto slash = text.find('/');
    auto a = parse_ip(text.substr(0, slash));
    if (!a) return std::nullopt;
    IpRange r{*a, 128};
    if (slash == std::string_view::npos) return r;
    std::string_view digits = text.substr(slash + 1);
    if (digits.empty() || digits.size() > 3 || digits.find_first_not_of("0123456789") != std::string_view::npos)
        return std::nullopt;
    int n = 0;
    for (char c : digits) n = n * 10 + (c - '0');
    // A dotted IPv4 range counts its prefix in IPv4 bits.
    bool v4 = text.substr(0, slash).find(':') == std::string_view::npos;
    if (n > (v4 ? 32 : 128)) return std::nullopt;
    r.prefix = v4 ? 96 + n : n;
    for (int bit = r.prefix; bit < 128; ++bit)
        if (r.base.bytes[static_cast<std::size_t>(bit / 8)] & (0x80 >> (bit % 8))) return std::nullopt;
    return r;
}

std::string client_address(std::string_view remote_addr, std::string_view forwarded_for,
                           const std::vector<IpRange>& trusted) {
    std::string direct(remote_addr);
    if (trusted.empty() || trim(forwarded_for).empty()) return direct;
    auto peer = parse_ip(remote_addr);
    if (!peer || !trusted_by(trusted, *peer)) return direct;
    if (forwarded_for.size() > 4096) return direct;
    std::optional<IpAddress> client;
    std::string_view rest = forwarded_for;
    while (true) {
        auto comma = rest.rfind(',');
        std::string_view hop = trim(comma == std::string_view::npos ? rest : rest.substr(comma + 1));
        auto a = parse_hop(hop);
        if (!a) return direct;  // malformed: believe nothing of it
        client = a;
        if (!trusted_by(trusted, *a)) break;
        if (comma == std::string_view::npos) break;  // every hop trusted: the leftmost
        rest = rest.substr(0, comma);
    }
    return client->text();
}

std::string address_for_limits(std::string_view ip) {
    auto a = parse_ip(ip);
    if (!a) return std::string(ip);
    if (a->is_v4()) return a->text();
    IpAddress net = *a;
    for (std::size_t i = 8; i < 16; ++i) net.bytes[i] = 0;
    return net.text() + "/64";
}

}  // namespace auth
