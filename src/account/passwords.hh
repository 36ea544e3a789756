// Argon2id password hashes through libsodium's crypto_pwhash_str, at the
// configured cost, with rehash detection when that cost changes.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

namespace auth {

class PasswordHasher {
public:
    PasswordHasher(unsigned long long opslimit, std::size_t memlimit_kib);

    // Throws CryptoError when hashing fails (out of memory): never a weaker hash.
    std::string hash(std::string_view password) const;
    bool verify(const std::string& stored, std::string_view password) const;
    bool needs_rehash(const std::string& stored) const;

    unsigned long long opslimit() const { return opslimit_; }
    std::size_t memlimit_bytes() const { return memlimit_bytes_; }

private:
    unsigned long long opslimit_;
    std::size_t memlimit_bytes_;  // one constant for hash and needs_rehash
};

}  // namespace auth
