// Email-address changes waiting for confirmation. The new address is kept
// here, not in users, until someone opens the link mailed to it: a 256-bit
// token the database keeps only as a digest, good for EMAIL_CHANGE_TTL
// seconds, once. A newer request or a cancel voids the older links of the
// account, and so does a password change or reset. Whether the address is
// taken is looked at only at confirmation, inside the write transaction
// that changes it, so a request never tells whether an address has an
// account.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "store/reset_tokens.hh"  // TokenState

namespace auth {

class Clock;
class Db;

struct PendingEmailChange {
    std::string new_email;
    std::int64_t created_at = 0;
    std::int64_t expires_at = 0;
};

struct EmailChangeCheck {
    TokenState state = TokenState::Unknown;
    std::int64_t user_id = 0;
    std::string new_email;
};

enum class EmailChangeResult {
    Changed,
    Taken,     // another account has the address now: nothing changed, the link is void
    Invalid,   // the token is not (or no longer) valid: see state
};

struct EmailChangeOutcome {
    EmailChangeResult result = EmailChangeResult::Invalid;
    TokenState state = TokenState::Unknown;  // why, when Invalid
    std::int64_t user_id = 0;
    std::string old_email;
    std::string new_email;
};

class EmailChangeStore {
public:
    EmailChangeStore(Db& db, const Clock& clock, std::int64_t ttl) : db_(db), clock_(clock), ttl_(ttl) {}

    // A new token for changing the user's address to `new_email` (already
    // normalised); older pending changes become void. Call inside a write
    // transaction together with queueing the mails.
    std::string issue(std::int64_t user_id, std::string_view new_email);
    // The change the user is waiting for, if any (unused, not void, not expired).
    std::optional<PendingEmailChange> pending(std::int64_t user_id);
    EmailChangeCheck check(std::string_view token);
    // Uses the token and changes the address: call inside a write
    // transaction (Transaction), so that the uniqueness check and the change
    // are one step. Taken voids the token; the caller commits either way
    // unless it wants to undo everything.
    EmailChangeOutcome confirm(std::string_view token);
    // Voids every pending change of the user (cancel, password change or reset).
    void void_all_for_user(std::int64_t user_id);
    // Changes requested by the user since `since` (rate limit).
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
