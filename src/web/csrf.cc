#include "web/csrf.hh"

#include "core/crypto.hh"

namespace auth {

namespace {
constexpr std::size_t kNonceChars = 22;  // 16 random bytes
}

std::string Csrf::mac(std::string_view nonce, std::string_view browser_secret, std::string_view session_token) const {
    std::string message;
    message.reserve(8 + browser_secret.size() + session_token.size() + nonce.size());  // one allocation, not three
    message.append("csrf|").append(browser_secret).append("|").append(session_token).append("|").append(nonce);
    return key_.mac(message);
}

// The page shows the token: its MAC is encoded the quick way. The check
// below encodes the MAC it expects in constant time (it is the secret
// there).
std::string Csrf::token(std::string_view browser_secret, std::string_view session_token) const {
    std::string nonce = nonces_.token(16);
    return nonce + base64url_encode_public(mac(nonce, browser_secret, session_token));
}

bool Csrf::valid(std::string_view token, std::string_view browser_secret, std::string_view session_token) const {
    if (browser_secret.empty() || token.size() != kNonceChars + 43) return false;
    std::string_view nonce = token.substr(0, kNonceChars);
    if (!looks_like_token(nonce, kNonceChars)) return false;
    return constant_time_equal(token.substr(kNonceChars), base64url_encode(mac(nonce, browser_secret, session_token)));
}

}  // namespace auth
