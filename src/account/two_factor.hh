// Two-step login (RFC 6238 TOTP, the codes of any authenticator app) and
// its recovery codes, over the TwoFactorStore. The account service
// (accounts.hh, two_step.cc) decides when a code is asked for; this class
// knows how one is checked:
//
// - The secret (160 bits) is sealed with AEAD (XChaCha20-Poly1305) under a
//   key derived from SECRET_KEY for this purpose alone ("2fa-totp", not the
//   outbox's key), bound to the account's id, so the database alone reveals
//   nothing and a sealed secret copied to another account does not open.
// - A code is SHA-1, 6 digits, 30 s, accepted one step either side of now;
//   the step it matched is stored, and a code of that step or an earlier
//   one is refused afterwards: a code seen over a shoulder is spent.
// - Wrong codes are throttled per account (5 in 15 minutes, the login
//   throttle's window, counted apart from wrong passwords), reserved before
//   the check in the same write transaction, as for passwords.
// - Recovery codes: 10, each 50 random bits, kept as keyed digests; each
//   works once, in place of a code, and its use is mailed with the count left.
// - A pending login (the password step done) is a random token in a cookie
//   of its own, stored as a digest, valid 5 minutes, bound to the browser
//   secret (the CSRF cookie) of the browser that typed the password. It is
//   no session: nothing that needs a session reads it.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "account/notices.hh"
#include "account/throttle.hh"
#include "store/store.hh"

namespace auth {

class Clock;
struct Config;

enum class CodeResult { Ok, Missing, Wrong, Throttled };
struct CodeCheck {
    CodeResult result = CodeResult::Missing;
    std::int64_t retry_after = 0;  // with Throttled
    bool recovery_code = false;    // with Ok: a recovery code was used
    bool ok() const { return result == CodeResult::Ok; }
};

class TwoFactor {
public:
    static constexpr std::size_t kSecretBytes = 20;  // 160 bits (RFC 4226 recommends it)
    static constexpr int kRecoveryCodes = 10;
    static constexpr std::int64_t kPendingLoginSeconds = 5 * 60;
    // A secret shown for setting up waits this long for its first code.
    static constexpr std::int64_t kSetupSeconds = 30 * 60;

    TwoFactor(Store& store, const Clock& clock, const Config& config, Notices& notices);

    bool on(std::int64_t user_id);
    std::int64_t recovery_codes_left(std::int64_t user_id);

    // ---- setting up ----
    // A new secret for the account (raw bytes), stored sealed until a code
    // confirms it. The set-up belongs to the session that started it (after
    // the password): no other session of the account sees its key or
    // confirms it, and ending that session ends the set-up.
    std::string begin_setup(std::int64_t user_id, std::int64_t session_id);
    // The secret being set up by this session, if one is waiting.
    std::optional<std::string> setup_secret(std::int64_t user_id, std::int64_t session_id);
    // Inside a write transaction: the code checked against the setup's
    // secret (throttled like any code); when right, two-step login is on and
    // the new recovery codes (to show once) are in `codes`. nullopt: no setup
    // of this session waits.
    std::optional<CodeCheck> confirm_setup(const User& user, std::int64_t session_id, const std::string& code,
                                           const std::string& client_ip, std::vector<std::string>& codes);

    // ---- codes ----
    // Inside a write transaction: a code from the app or a recovery code of
    // the account (whose two-step login is on). Commit whatever the result
    // but Throttled: a wrong code is recorded as a failure, a right one is spent.
    CodeCheck check(const User& user, const std::string& code, const std::string& client_ip);
    // Inside a write transaction: 10 new recovery codes (the old ones stop working).
    std::vector<std::string> new_recovery_codes(std::int64_t user_id);
    // Inside a write transaction: off, with its secret, codes and pending logins.
    void turn_off(std::int64_t user_id);

    // ---- pending logins ----
    // Inside a write transaction: a pending login of `user` for the browser
    // with `browser_secret`; the token for its cookie.
    std::string start_pending_login(const User& user, std::string_view browser_secret);
    // The pending login of `token`, if it is live and was made for this browser.
    std::optional<PendingLogin> pending_login(std::string_view token, std::string_view browser_secret);
    void end_pending_login(std::int64_t id);

    void purge_old();

    // The text of a recovery code as typed: lower case, without spaces and dashes.
    static std::string normalise_code(std::string_view typed);

private:
    std::string associated(std::int64_t user_id) const;
    SealedSecret seal(std::int64_t user_id, const std::string& secret) const;
    std::optional<std::string> open(std::int64_t user_id, const SealedSecret& sealed) const;
    std::string recovery_digest(std::int64_t user_id, const std::string& normalised) const;
    // The step of now +-1 whose code `typed` is, if any (all three compared).
    std::optional<std::int64_t> matching_step(const std::string& secret, const std::string& typed) const;
    std::string throttle_key(std::int64_t user_id) const { return "code:" + std::to_string(user_id); }

    Store& store_;
    const Clock& clock_;
    Notices& notices_;
    LoginThrottle throttle_;
    std::string secret_key_;    // seals the TOTP secrets
    std::string recovery_key_;  // keys the digests of recovery codes
};

}  // namespace auth
