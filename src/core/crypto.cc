#include "core/crypto.hh"

#include <sodium.h>

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

std::string random_token(std::size_t bytes) {
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

NonceStream::~NonceStream() { sodium_memzero(key_.data(), key_.size()); }

std::string NonceStream::token(std::size_t bytes) {
    std::array<unsigned char, 64> block{};
    if (bytes > block.size()) throw CryptoError("NonceStream: at most 64 bytes at a time");
    std::array<unsigned char, crypto_stream_chacha20_NONCEBYTES> nonce{};
    static_assert(sizeof counter_ == crypto_stream_chacha20_NONCEBYTES);
    std::uint64_t n = counter_++;
    for (auto& b : nonce) {
        b = static_cast<unsigned char>(n & 0xff);
        n >>= 8;
    }
    crypto_stream_chacha20(block.data(), bytes, nonce.data(), key_.data());
    std::string token = base64url_encode(std::string_view(reinterpret_cast<const char*>(block.data()), bytes));
    sodium_memzero(block.data(), block.size());
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

bool constant_time_equal(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    if (a.empty()) return true;
    return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool looks_like_token(std::string_view text, std::size_t length) {
    if (text.size() != length) return false;
    for (char c : text)
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) return false;
    return true;
}

}  // namespace auth
