#include "core/crypto.hh"

#include <sodium.h>

#include <array>
#include <vector>

namespace auth {

void crypto_init() {
    if (sodium_init() < 0) throw CryptoError("libsodium could not be initialised");
}

std::string base64url_encode(std::string_view bytes) {
    const int variant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
    std::string out(sodium_base64_ENCODED_LEN(bytes.size(), variant), '\0');
    sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), variant);
    out.resize(out.size() - 1);  // the terminating NUL
    return out;
}

std::string base64url_encode_public(std::string_view bytes) {
    static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    auto byte = [&bytes](std::size_t i) { return static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])); };
    std::string out((bytes.size() * 4 + 2) / 3, '\0');
    char* o = out.data();
    std::size_t i = 0;
    for (; i + 3 <= bytes.size(); i += 3) {
        std::uint32_t v = byte(i) << 16 | byte(i + 1) << 8 | byte(i + 2);
        *o++ = kAlphabet[v >> 18];
        *o++ = kAlphabet[(v >> 12) & 63];
        *o++ = kAlphabet[(v >> 6) & 63];
        *o++ = kAlphabet[v & 63];
    }
    if (std::size_t left = bytes.size() - i; left > 0) {
        std::uint32_t v = byte(i) << 16 | (left == 2 ? byte(i + 1) << 8 : 0);
        *o++ = kAlphabet[v >> 18];
        *o++ = kAlphabet[(v >> 12) & 63];
        if (left == 2) *o++ = kAlphabet[(v >> 6) & 63];
    }
    return out;
}

std::optional<std::string> base64url_decode(std::string_view text) {
    std::string out(text.size() * 3 / 4 + 1, '\0');
    std::size_t length = 0;
    const char* end = nullptr;
    // The end pointer must reach the end: anything else is not base64url.
    if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(), text.size(), nullptr,
                          &length, &end, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
        end != text.data() + text.size())
        return std::nullopt;
    out.resize(length);
    return out;
}

std::string random_token(std::size_t bytes) {
    if (bytes == 0) return "";  // libsodium's functions take no null buffer, even empty
    std::vector<unsigned char> buf(bytes);
    randombytes_buf(buf.data(), buf.size());
    std::string token = base64url_encode(std::string_view(reinterpret_cast<const char*>(buf.data()), buf.size()));
    sodium_memzero(buf.data(), buf.size());
    return token;
}

NonceStream::NonceStream() {
    static_assert(sizeof key_ == crypto_stream_chacha20_KEYBYTES);
    randombytes_buf(key_.data(), key_.size());
}

NonceStream::~NonceStream() {
    sodium_memzero(key_.data(), key_.size());
    sodium_memzero(block_.data(), block_.size());
}

// A ChaCha20 block costs the same whatever part of it is used: its 64 bytes
// make four 16-byte nonces, each used once and wiped as it is handed out.
std::string NonceStream::token(std::size_t bytes) {
    if (bytes > block_.size()) throw CryptoError("NonceStream: at most 64 bytes at a time");
    if (block_.size() - used_ < bytes) {
        std::array<unsigned char, crypto_stream_chacha20_NONCEBYTES> nonce{};
        static_assert(sizeof counter_ == crypto_stream_chacha20_NONCEBYTES);
        std::uint64_t n = counter_++;
        for (auto& b : nonce) {
            b = static_cast<unsigned char>(n & 0xff);
            n >>= 8;
        }
        crypto_stream_chacha20(block_.data(), block_.size(), nonce.data(), key_.data());
        used_ = 0;
    }
    unsigned char* part = block_.data() + used_;
    std::string token = base64url_encode_public(std::string_view(reinterpret_cast<const char*>(part), bytes));
    sodium_memzero(part, bytes);
    used_ += bytes;
    return token;
}

std::string token_digest(std::string_view token) {
    std::string out(crypto_generichash_BYTES, '\0');
    crypto_generichash(reinterpret_cast<unsigned char*>(out.data()), out.size(),
                       reinterpret_cast<const unsigned char*>(token.data()), token.size(), nullptr, 0);
    return out;
}

MacKey::MacKey(std::string_view key) {
    static_assert(sizeof key_ == crypto_generichash_KEYBYTES);
    crypto_generichash(key_.data(), key_.size(), reinterpret_cast<const unsigned char*>(key.data()), key.size(), nullptr, 0);
}

MacKey::~MacKey() { sodium_memzero(key_.data(), key_.size()); }

std::string MacKey::mac(std::string_view message) const {
    std::string out(crypto_generichash_BYTES, '\0');
    crypto_generichash(reinterpret_cast<unsigned char*>(out.data()), out.size(),
                       reinterpret_cast<const unsigned char*>(message.data()), message.size(), key_.data(), key_.size());
    return out;
}

std::string mac(std::string_view key, std::string_view message) { return MacKey(key).mac(message); }

std::string secretbox_seal(std::string_view key, std::string_view plain, std::string& nonce) {
    if (key.size() != crypto_secretbox_KEYBYTES) throw CryptoError("secretbox: the key must be 32 bytes");
    nonce.assign(crypto_secretbox_NONCEBYTES, '\0');
    randombytes_buf(nonce.data(), nonce.size());
    std::string out(plain.size() + crypto_secretbox_MACBYTES, '\0');
    crypto_secretbox_easy(reinterpret_cast<unsigned char*>(out.data()), reinterpret_cast<const unsigned char*>(plain.data()),
                          plain.size(), reinterpret_cast<const unsigned char*>(nonce.data()),
                          reinterpret_cast<const unsigned char*>(key.data()));
    return out;
}

std::optional<std::string> secretbox_open(std::string_view key, std::string_view nonce, std::string_view sealed) {
    if (key.size() != crypto_secretbox_KEYBYTES || nonce.size() != crypto_secretbox_NONCEBYTES ||
        sealed.size() < crypto_secretbox_MACBYTES)
        return std::nullopt;
    std::string out(sealed.size() - crypto_secretbox_MACBYTES, '\0');
    if (crypto_secretbox_open_easy(reinterpret_cast<unsigned char*>(out.data()),
                                   reinterpret_cast<const unsigned char*>(sealed.data()), sealed.size(),
                                   reinterpret_cast<const unsigned char*>(nonce.data()),
                                   reinterpret_cast<const unsigned char*>(key.data())) != 0)
        return std::nullopt;
    return out;
}

std::string derive_key(std::string_view secret_key, const char (&context)[9], std::uint64_t id) {
    static_assert(crypto_kdf_CONTEXTBYTES == 8 && crypto_kdf_KEYBYTES == crypto_generichash_BYTES);
    // SECRET_KEY has any length: hashed to the KDF's 32-byte master key first.
    std::array<unsigned char, crypto_kdf_KEYBYTES> master{};
    crypto_generichash(master.data(), master.size(), reinterpret_cast<const unsigned char*>(secret_key.data()),
                       secret_key.size(), nullptr, 0);
    std::string out(32, '\0');
    crypto_kdf_derive_from_key(reinterpret_cast<unsigned char*>(out.data()), out.size(), id, context, master.data());
    sodium_memzero(master.data(), master.size());
    return out;
}

std::string aead_seal(std::string_view key, std::string_view plain, std::string_view associated, std::string& nonce) {
    if (key.size() != crypto_aead_xchacha20poly1305_ietf_KEYBYTES) throw CryptoError("aead_seal: the key must be 32 bytes");
    nonce.assign(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, '\0');
    randombytes_buf(nonce.data(), nonce.size());
    std::string out(plain.size() + crypto_aead_xchacha20poly1305_ietf_ABYTES, '\0');
    unsigned long long len = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(
        reinterpret_cast<unsigned char*>(out.data()), &len, reinterpret_cast<const unsigned char*>(plain.data()),
        plain.size(), reinterpret_cast<const unsigned char*>(associated.data()), associated.size(), nullptr,
        reinterpret_cast<const unsigned char*>(nonce.data()), reinterpret_cast<const unsigned char*>(key.data()));
    out.resize(len);
    return out;
}

std::optional<std::string> aead_open(std::string_view key, std::string_view nonce, std::string_view sealed,
                                     std::string_view associated) {
    if (key.size() != crypto_aead_xchacha20poly1305_ietf_KEYBYTES ||
        nonce.size() != crypto_aead_xchacha20poly1305_ietf_NPUBBYTES ||
        sealed.size() < crypto_aead_xchacha20poly1305_ietf_ABYTES)
        return std::nullopt;
    std::string out(sealed.size() - crypto_aead_xchacha20poly1305_ietf_ABYTES, '\0');
    unsigned long long len = 0;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(
            reinterpret_cast<unsigned char*>(out.data()), &len, nullptr,
            reinterpret_cast<const unsigned char*>(sealed.data()), sealed.size(),
            reinterpret_cast<const unsigned char*>(associated.data()), associated.size(),
            reinterpret_cast<const unsigned char*>(nonce.data()), reinterpret_cast<const unsigned char*>(key.data())) != 0)
        return std::nullopt;
    out.resize(len);
    return out;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    if (a.empty()) return true;
    return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

namespace {
// The base64url alphabet as a table: one load a character where the
// comparisons took ten (two tokens a request, the session's and the CSRF
// cookie's).
constexpr std::array<bool, 256> kTokenChar = [] {
    std::array<bool, 256> table{};
    for (int c = 0; c < 256; ++c)
        table[c] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    return table;
}();
}  // namespace

bool looks_like_token(std::string_view text, std::size_t length) {
    if (text.size() != length) return false;
    bool ok = true;
    for (char c : text) ok &= kTokenChar[static_cast<unsigned char>(c)];
    return ok;
}

}  // namespace auth
