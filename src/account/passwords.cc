#include "account/passwords.hh"

#include <sodium.h>

#include "core/crypto.hh"

namespace auth {

PasswordHasher::PasswordHasher(unsigned long long opslimit, std::size_t memlimit_kib)
    : opslimit_(opslimit), memlimit_bytes_(memlimit_kib * 1024) {}

std::string PasswordHasher::hash(std::string_view password) const {
    char out[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str_alg(out, password.data(), password.size(), opslimit_, memlimit_bytes_,
                              crypto_pwhash_ALG_ARGON2ID13) != 0)
        throw CryptoError("password hashing failed (out of memory?)");
    return std::string(out);
}

bool PasswordHasher::verify(const std::string& stored, std::string_view password) const {
    if (stored.empty() || stored.size() >= crypto_pwhash_STRBYTES) return false;
    return crypto_pwhash_str_verify(stored.c_str(), password.data(), password.size()) == 0;
}

bool PasswordHasher::needs_rehash(const std::string& stored) const {
    return crypto_pwhash_str_needs_rehash(stored.c_str(), opslimit_, memlimit_bytes_) != 0;
}

}  // namespace auth
