// Time-based one-time codes (RFC 6238 over RFC 4226 HOTP), as every
// authenticator app makes them: HMAC-SHA1, 6 digits, 30-second steps. SHA-1
// is written here (FIPS 180-4) because libsodium has none and the page
// programs link no OpenSSL; it serves HMAC only, where SHA-1's collisions
// do not matter (RFC 6194). Also base32 (RFC 4648), the form in which apps
// take a secret, and the otpauth:// URI their QR codes carry.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace auth {

// SHA-1 of `data`: 20 raw bytes.
std::string sha1(std::string_view data);
// HMAC-SHA1 (RFC 2104) of `message` under `key`: 20 raw bytes.
std::string hmac_sha1(std::string_view key, std::string_view message);

// The HOTP value of `counter` under `key`, `digits` long with leading zeros.
std::string hotp(std::string_view key, std::uint64_t counter, int digits = 6);

inline constexpr std::int64_t kTotpStep = 30;
inline constexpr int kTotpDigits = 6;
// The time step of `unix_time`.
inline std::int64_t totp_step(std::int64_t unix_time) { return unix_time / kTotpStep; }
// The code of a step (6 digits).
inline std::string totp(std::string_view key, std::int64_t step) {
    return hotp(key, static_cast<std::uint64_t>(step), kTotpDigits);
}

// RFC 4648 base32, upper case, without padding; decoding takes upper or
// lower case, ignores spaces and '=' padding, and refuses anything else.
std::string base32_encode(std::string_view bytes);
std::optional<std::string> base32_decode(std::string_view text);

// otpauth://totp/<issuer>:<account>?secret=...&issuer=...&algorithm=SHA1&digits=6&period=30
std::string otpauth_uri(std::string_view secret, std::string_view issuer, std::string_view account);

}  // namespace auth
