// Password-reset tokens: 256 bits from libsodium, URL-safe; the database
// keeps only their digest. A token lives RESET_TOKEN_TTL seconds, works
// once, and is void as soon as a newer one is issued for the same account
// or the password changes. Consumption is one UPDATE that succeeds for
// exactly one request, however many race.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace auth {

class Clock;
class Db;

enum class TokenState { Valid, Malformed, Unknown, Used, Superseded, Expired };

struct TokenCheck {
    TokenState state = TokenState::Unknown;
    std::int64_t user_id = 0;
};

class ResetTokenStore {
public:
    ResetTokenStore(Db& db, const Clock& clock, std::int64_t ttl) : db_(db), clock_(clock), ttl_(ttl) {}

    // A new token for the user; older unused ones become void. Call inside a
    // write transaction together with queueing the mail.
    std::string issue(std::int64_t user_id);
    TokenCheck check(std::string_view token);
    // Marks the token used if it is still valid; the user id on success.
    std::optional<std::int64_t> consume(std::string_view token);
    // Voids every unused token of the user (the password changed).
    void void_all_for_user(std::int64_t user_id);
    // Tokens issued for the user since `since`.
    std::int64_t issued_since(std::int64_t user_id, std::int64_t since);
    // Deletes rows a week past their expiry.
    void purge_old();

    std::int64_t ttl() const { return ttl_; }

private:
    Db& db_;
    const Clock& clock_;
    std::int64_t ttl_;
};

}  // namespace auth
