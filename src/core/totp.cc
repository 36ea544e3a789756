#include "core/totp.hh"

#include <array>

#include "core/validate.hh"

namespace auth {

namespace {

std::uint32_t rotl(std::uint32_t x, int n) { return (x << n) | (x >> (32 - n)); }

constexpr std::size_t kBlock = 64;

void sha1_block(std::array<std::uint32_t, 5>& h, const unsigned char* p) {
    std::array<std::uint32_t, 80> w{};
    for (int i = 0; i < 16; ++i)
        w[i] = std::uint32_t(p[4 * i]) << 24 | std::uint32_t(p[4 * i + 1]) << 16 | std::uint32_t(p[4 * i + 2]) << 8 |
               std::uint32_t(p[4 * i + 3]);
    for (int i = 16; i < 80; ++i) w[i] = rotl(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    std::uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
    for (int i = 0; i < 80; ++i) {
        std::uint32_t f, k;
        if (i < 20) { f = (b & c) | (~b & d); k = 0x5A827999; }
        else if (i < 40) { f = b ^ c ^ d; k = 0x6ED9EBA1; }
        else if (i < 60) { f = (b & c) | (b & d) | (c & d); k = 0x8F1BBCDC; }
        else { f = b ^ c ^ d; k = 0xCA62C1D6; }
        std::uint32_t t = rotl(a, 5) + f + e + k + w[i];
        e = d; d = c; c = rotl(b, 30); b = a; a = t;
    }
    h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e;
}

const char kBase32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

}  // namespace

std::string sha1(std::string_view data) {
    std::array<std::uint32_t, 5> h = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};
    const auto* p = reinterpret_cast<const unsigned char*>(data.data());
    std::size_t n = data.size();
    std::size_t i = 0;
    for (; i + kBlock <= n; i += kBlock) sha1_block(h, p + i);
    // The last bytes, the 0x80 marker, zeros and the length in bits.
    std::array<unsigned char, 2 * kBlock> tail{};
    std::size_t rest = n - i;
    for (std::size_t j = 0; j < rest; ++j) tail[j] = p[i + j];
    tail[rest] = 0x80;
    std::size_t len = rest + 1 + 8 <= kBlock ? kBlock : 2 * kBlock;
    std::uint64_t bits = static_cast<std::uint64_t>(n) * 8;
    for (int j = 0; j < 8; ++j) tail[len - 1 - j] = static_cast<unsigned char>(bits >> (8 * j));
    for (std::size_t j = 0; j < len; j += kBlock) sha1_block(h, tail.data() + j);
    std::string out(20, '\0');
    for (int j = 0; j < 5; ++j)
        for (int b = 0; b < 4; ++b) out[4 * j + b] = static_cast<char>(h[j] >> (24 - 8 * b));
    return out;
}

std::string hmac_sha1(std::string_view key, std::string_view message) {
    std::string k = key.size() > kBlock ? sha1(key) : std::string(key);
    k.resize(kBlock, '\0');
    std::string inner(kBlock, '\0'), outer(kBlock, '\0');
    for (std::size_t i = 0; i < kBlock; ++i) {
        inner[i] = static_cast<char>(k[i] ^ 0x36);
        outer[i] = static_cast<char>(k[i] ^ 0x5c);
    }
    inner.append(message);
    outer += sha1(inner);
    return sha1(outer);
}

std::string hotp(std::string_view key, std::uint64_t counter, int digits) {
    std::string msg(8, '\0');
    for (int i = 7; i >= 0; --i) {
        msg[i] = static_cast<char>(counter & 0xff);
        counter >>= 8;
    }
    std::string mac = hmac_sha1(key, msg);
    // Dynamic truncation (RFC 4226 5.3).
    int offset = static_cast<unsigned char>(mac[19]) & 0x0f;
    std::uint32_t bin = (std::uint32_t(static_cast<unsigned char>(mac[offset])) & 0x7f) << 24 |
                        std::uint32_t(static_cast<unsigned char>(mac[offset + 1])) << 16 |
                        std::uint32_t(static_cast<unsigned char>(mac[offset + 2])) << 8 |
                        std::uint32_t(static_cast<unsigned char>(mac[offset + 3]));
    std::uint32_t mod = 1;
    for (int i = 0; i < digits; ++i) mod *= 10;
    std::string code = std::to_string(bin % mod);
    return std::string(static_cast<std::size_t>(digits) - code.size(), '0') + code;
}

std::string base32_encode(std::string_view bytes) {
    std::string out;
    std::uint32_t buffer = 0;
    int bits = 0;
    for (unsigned char c : bytes) {
        buffer = (buffer << 8) | c;
        bits += 8;
        while (bits >= 5) {
            out += kBase32[(buffer >> (bits - 5)) & 31];
            bits -= 5;
        }
    }
    if (bits > 0) out += kBase32[(buffer << (5 - bits)) & 31];
    return out;
}

std::optional<std::string> base32_decode(std::string_view text) {
    std::string out;
    std::uint32_t buffer = 0;
    int bits = 0;
    for (char ch : text) {
        if (ch == ' ' || ch == '=') continue;
        int v;
        if (ch >= 'A' && ch <= 'Z') v = ch - 'A';
        else if (ch >= 'a' && ch <= 'z') v = ch - 'a';
        else if (ch >= '2' && ch <= '7') v = ch - '2' + 26;
        else return std::nullopt;
        buffer = (buffer << 5) | static_cast<std::uint32_t>(v);
        bits += 5;
        if (bits >= 8) {
            out += static_cast<char>((buffer >> (bits - 8)) & 0xff);
            bits -= 8;
        }
    }
    return out;
}

std::string otpauth_uri(std::string_view secret, std::string_view issuer, std::string_view account) {
    return "otpauth://totp/" + percent_encode(issuer, "@") + ":" + percent_encode(account, "@") + "?secret=" + base32_encode(secret) +
           "&issuer=" + percent_encode(issuer, "@") + "&algorithm=SHA1&digits=6&period=30";
}

}  // namespace auth
