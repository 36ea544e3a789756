// Random tokens, their stored digests, keyed MACs and constant-time
// comparison, all from libsodium.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace auth {

class CryptoError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Calls sodium_init(); throws CryptoError if libsodium cannot start.
void crypto_init();

// `bytes` random bytes from the CSPRNG, as URL-safe base64 without padding
// (32 bytes -> 43 characters).
std::string random_token(std::size_t bytes = 32);

// The value a database keeps for a token: BLAKE2b-256 of it (raw bytes).
std::string token_digest(std::string_view token);

// Keyed BLAKE2b-256 of `message` under `key` (any length; it is hashed to a
// key first), raw bytes.
std::string mac(std::string_view key, std::string_view message);

// The same MAC with the key hashed once, for a key used on every request
// (CSRF tokens): MacKey(key).mac(m) == mac(key, m).
class MacKey {
public:
    explicit MacKey(std::string_view key);
    ~MacKey();  // wipes the key
    MacKey(const MacKey&) = default;
    MacKey& operator=(const MacKey&) = default;
    std::string mac(std::string_view message) const;

private:
    std::array<unsigned char, 32> key_;  // crypto_generichash_KEYBYTES
};

// Values that must differ every time and be unguessable but guard nothing
// by themselves (the nonce of a CSRF token, which the MAC after it binds):
// the ChaCha20 keystream under a key drawn once from the CSPRNG, each byte
// used once, so that a page costs no getrandom() system call for them.
// Never for secrets (session ids, reset tokens: random_token()). A fork
// would repeat the stream in the child; the site forks only the plain-CGI
// keeper (web/cgi_keeper.hh), before any stream exists, which draws
// nothing (mail goes out through posix_spawn of another program).
class NonceStream {
public:
    NonceStream();
    ~NonceStream();  // wipes the key
    NonceStream(const NonceStream&) = delete;
    NonceStream& operator=(const NonceStream&) = delete;
    // `bytes` (at most 64) as URL-safe base64 without padding, like random_token().
    std::string token(std::size_t bytes);

private:
    std::array<unsigned char, 32> key_;  // crypto_stream_chacha20_KEYBYTES
    std::uint64_t counter_ = 0;             // the next block
    std::array<unsigned char, 64> block_{};  // the current block; what is left of it from used_ on
    std::size_t used_ = 64;
};

// Authenticated encryption (XSalsa20-Poly1305, crypto_secretbox) under a
// 32-byte key: the ciphertext, with a new random nonce in `nonce`.
std::string secretbox_seal(std::string_view key, std::string_view plain, std::string& nonce);
// The plain text, or nullopt if the key is wrong or anything was changed.
std::optional<std::string> secretbox_open(std::string_view key, std::string_view nonce, std::string_view sealed);

// A 32-byte key for one purpose, derived from SECRET_KEY with libsodium's
// KDF (BLAKE2b): `context` is exactly 8 characters and names the purpose, so
// keys for different purposes never coincide.
std::string derive_key(std::string_view secret_key, const char (&context)[9], std::uint64_t id = 1);

// AEAD (XChaCha20-Poly1305-IETF) under a 32-byte key: the ciphertext of
// `plain`, bound to `associated` (which is not stored, but must be given
// again to open it), with a new random nonce in `nonce`.
std::string aead_seal(std::string_view key, std::string_view plain, std::string_view associated, std::string& nonce);
// The plain text, or nullopt if the key, the nonce, the associated data or
// the ciphertext is not the one sealed.
std::optional<std::string> aead_open(std::string_view key, std::string_view nonce, std::string_view sealed,
                                     std::string_view associated);

bool constant_time_equal(std::string_view a, std::string_view b);

std::string base64url_encode(std::string_view bytes);
// The same text by table lookup, a tenth of the instructions: for values
// the page shows anyway (a CSRF token as a page gets it, NonceStream's
// nonces), never for secrets, whose encoding libsodium keeps in constant
// time.
std::string base64url_encode_public(std::string_view bytes);
// The bytes of URL-safe base64 without padding; nullopt for anything else.
std::optional<std::string> base64url_decode(std::string_view text);

// True for strings of exactly `length` URL-safe base64 characters.
bool looks_like_token(std::string_view text, std::size_t length = 43);

}  // namespace auth
