// CSRF tokens for every form, before login too. A visitor gets a random
// `csrf` cookie on the first page with a form; each form token is
// nonce || MAC(SECRET_KEY, cookie | session token | nonce), so it is bound to
// that browser and, once logged in, to that session; it is checked in
// constant time and only when it arrives in a POST body.
#pragma once
#include <string>
#include <string_view>

#include "core/crypto.hh"

namespace auth {

class Csrf {
public:
    explicit Csrf(const std::string& secret_key) : key_(secret_key) {}

    std::string token(std::string_view browser_secret, std::string_view session_token) const;
    bool valid(std::string_view token, std::string_view browser_secret, std::string_view session_token) const;

private:
    // MAC(SECRET_KEY, cookie | session token | nonce), 32 bytes.
    std::string mac(std::string_view nonce, std::string_view browser_secret, std::string_view session_token) const;
    MacKey key_;  // SECRET_KEY, hashed once
    // The nonces: unguessable and new for every token, without a system call
    // per page (a per-process generator, no per-request state).
    mutable NonceStream nonces_;
};

}  // namespace auth
