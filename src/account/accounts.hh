// The account service: every change to an account's state, each one
// function that returns what happened and makes its change in one write
// transaction (BEGIN IMMEDIATE on SQLite), in the spirit of Wt::Auth's
// AuthService. Pages read fields, call one of these and choose the page,
// the status and the cookies; the rules live here, written once.
//
// The slow part of a password check (Argon2, ~40 ms) runs outside any
// transaction, so the state it was checked against can change meanwhile.
// Every function that verifies a password therefore re-reads the account
// inside its write transaction and goes ahead only if the password hash is
// still the one it verified: a login that overlaps a password change, a
// reset or "log out other sessions" leaves no session behind.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "account/events.hh"
#include "account/notices.hh"
#include "account/throttle.hh"
#include "account/two_factor.hh"
#include "core/image_sniff.hh"
#include "store/store.hh"

namespace auth {

class Clock;
class MailComposer;
class Outbox;
class PasswordHasher;
class PasswordPolicy;
class PictureStore;
struct Config;

// A logged-in visitor: the live session behind a cookie and its account,
// with what the logged-in pages show of the account besides (read with the
// session: see SessionStore::lookup).
struct Identity {
    Session session;
    User user;
    bool two_factor_on = false;
    std::optional<PendingEmailChange> pending_email_change;
};

// What a person types again before a change that matters: the current
// password, and a code (or a recovery code) when two-step login is on.
struct Proof {
    std::string password;
    std::string code;
    // The session the form was sent in: a passkey step-up's grant (in
    // place of a code) counts only in the session that earned it.
    std::int64_t session_id = 0;
};

// A password (and code) typed again before a change that matters.
enum class Reauth { Ok, Missing, Wrong, Throttled };

struct ReauthCheck {
    Reauth result = Reauth::Ok;
    std::int64_t retry_after = 0;  // with Throttled
    bool code = false;             // the code is what was missing, wrong or throttled
    bool ok() const { return result == Reauth::Ok; }
};

// Unconfirmed: the right password of a registration whose link has not
// been opened yet (only ever said after the right password). CodeNeeded:
// the password was right and two-step login is on; the code step follows,
// held by a pending login (not a session).
// Locked: the right password of an account an administrator locked (only
// ever said after the right password).
enum class LoginResult { LoggedIn, Refused, Throttled, Unconfirmed, CodeNeeded, Locked };
struct LoginOutcome {
    LoginResult result = LoginResult::Refused;
    std::int64_t retry_after = 0;  // with Throttled
    std::int64_t user_id = 0;
    std::string session_token;     // with LoggedIn
    std::string pending_token;     // with CodeNeeded
    bool recovery_code = false;    // with LoggedIn after the code step: a recovery code was used
};

// Two-step login: turning it on (the password, then a code from the app),
// off, and new recovery codes (both asked again with password and code).
enum class TwoFactorResult { Done, Reauth, NoSetup, AlreadyOn, NotOn };
struct TwoFactorOutcome {
    TwoFactorResult result = TwoFactorResult::Reauth;
    ReauthCheck reauth;                       // why, with Reauth
    std::string secret;                       // a set-up started: the new secret (raw)
    std::vector<std::string> recovery_codes;  // turned on, or new codes: to show once
};

// With sign-up confirmation (the default) a registration answers LinkSent
// whether or not the address has an account: a new address gets a link
// that makes the account, a taken one a mail to its owner. Created and
// EmailTaken only with SIGNUP_CONFIRMATION=False. The two TooMany results
// are counted alike for every address, so they tell nothing either.
enum class RegisterResult { LinkSent, Created, EmailTaken, TooManyFromAddress, TooManyMails };
struct RegisterOutcome {
    RegisterResult result = RegisterResult::EmailTaken;
    std::int64_t user_id = 0;  // with Created
};

// The link's page asks for the password chosen at sign-up: PasswordMissing,
// WrongPassword and Throttled (the login throttle) keep the link valid.
// TooManyLinks: the client's address has had too many links fail (link_wait).
enum class SignupConfirmResult { Created, Taken, BadLink, PasswordMissing, WrongPassword, Throttled, TooManyLinks };
struct SignupConfirmOutcome {
    SignupConfirmResult result = SignupConfirmResult::BadLink;
    TokenState state = TokenState::Unknown;  // with BadLink
    std::int64_t retry_after = 0;            // with Throttled and TooManyLinks
    std::int64_t user_id = 0;
    std::string email;
    std::string session_token;  // with Created
};

// Sent is the answer for every address, whether a registration waits or not.
enum class SignupResendResult { Sent, TooManyMails, TooManyFromAddress };

enum class PasswordChangeResult { Changed, Reauth, Rejected, Mismatch };
struct PasswordChangeOutcome {
    PasswordChangeResult result = PasswordChangeResult::Reauth;
    ReauthCheck reauth;            // why, with Reauth
    std::string problem;           // why, with Rejected
    std::string session_token;     // the new session, with Changed
};

// TooManyMails: the address has had MAIL_MAX_PER_HOUR mails this hour,
// whether or not it has an account (so the answer tells nothing).
enum class ResetRequestResult { Accepted, TooManyFromAddress, TooManyMails };

struct LinkCheck {
    TokenState state = TokenState::Unknown;
    std::int64_t retry_after = 0;  // > 0: too many failed links from this address; nothing was checked
    std::optional<User> user;   // the account, when the link is valid
    std::string payload;        // the new address of an email change
};

enum class ResetResult { Done, BadLink, Rejected, Mismatch, Throttled };
struct ResetOutcome {
    ResetResult result = ResetResult::BadLink;
    std::int64_t retry_after = 0;             // with Throttled
    TokenState state = TokenState::Unknown;  // with BadLink
    std::string problem;                      // with Rejected
    std::int64_t user_id = 0;
};

enum class EmailAddressProblem { None, Invalid, Same };
enum class EmailChangeRequestResult { Sent, Refused, TooMany, TooManyMails };
struct EmailChangeRequestOutcome {
    EmailChangeRequestResult result = EmailChangeRequestResult::Refused;
    EmailAddressProblem address = EmailAddressProblem::None;
    ReauthCheck reauth;
};

enum class EmailConfirmResult { Changed, Taken, BadLink, TooManyLinks };
struct EmailConfirmOutcome {
    EmailConfirmResult result = EmailConfirmResult::BadLink;
    std::int64_t retry_after = 0;            // with TooManyLinks
    TokenState state = TokenState::Unknown;  // with BadLink
    std::int64_t user_id = 0;
    std::string new_email;
};

enum class EndSessionResult { Ended, Reauth, NotFound, Current };
struct EndSessionOutcome {
    EndSessionResult result = EndSessionResult::Reauth;
    ReauthCheck reauth;  // why, with Reauth
};

// Deleting one's account: the password (and code) typed again, and the
// address typed again (AddressMismatch when it is not the account's).
enum class DeleteResult { Deleted, Reauth, AddressMismatch };
struct DeleteOutcome {
    DeleteResult result = DeleteResult::Reauth;
    ReauthCheck reauth;  // why, with Reauth
};

// What the site holds about a person, for their download (/profile/export).
// Never a hash, a secret or a token.
struct AccountData {
    User user;  // password_hash is cleared
    std::vector<SessionInfo> sessions;
    bool two_factor_on = false;
    std::int64_t recovery_codes_left = 0;
    std::vector<std::string> passkeys;  // their names
    std::optional<std::string> pending_email;  // an address change waiting for its link
    std::vector<Event> events;
};

enum class ProfileResult { Saved, PictureRemoved };

// What a browser sent back from navigator.credentials (raw bytes, decoded
// from base64url by the page): a registration has the attestation object,
// an assertion the authenticator data, signature and user handle.
struct PasskeyResponse {
    std::string credential_id;
    std::string client_data_json;
    std::string attestation_object;
    std::string authenticator_data;
    std::string signature;
    std::string user_handle;
};

// Why a passkey answer was refused (each has its message on the page and
// its log line). Challenge: unknown, used, expired, for another ceremony,
// or issued to another browser or session. Unavailable: this host cannot
// check an ES256 passkey (no libcrypto.so.3; the log line says what to install).
enum class PasskeyProblem {
    None, Malformed, WrongType, WrongOrigin, WrongRpId, NotPresent, NotVerified, BadAttestation, UnsupportedKey,
    BadSignature, CounterBackwards, Challenge, UnknownCredential, OtherAccount, Taken, Locked, Unavailable
};

// Done; Reauth (the password, and code, asked again were not right);
// Refused (why in `problem`); NotFound (no such passkey of the account);
// LastWay (removing it would leave no way to log in).
enum class PasskeyResult { Done, Reauth, Refused, NotFound, LastWay, Throttled };
struct PasskeyOutcome {
    PasskeyResult result = PasskeyResult::Refused;
    PasskeyProblem problem = PasskeyProblem::None;
    ReauthCheck reauth;                    // with Reauth
    std::string challenge;                 // a ceremony started: base64url, for the browser
    std::string user_handle;               // registration: base64url
    std::vector<std::string> credentials;  // the account's credential ids (base64url): exclude or allow lists
    std::string session_token;             // a passkey login
    std::string browser_token;             // a passkey login from a browser without one: for its cookie
    std::string grant;                     // a step-up: what the form sends in place of a code
    std::int64_t user_id = 0;
};

// An account as the administrator sees it (/admin, sessionauth-admin user show).
struct AccountSummary {
    User user;
    bool two_factor = false;
    // How many passkeys it has; nullopt while this build keeps none (the
    // passkey store fills it in: account_summary() in admin.cc).
    std::optional<std::int64_t> passkeys;
    std::vector<SessionInfo> sessions;
    std::optional<std::int64_t> last_login;  // the newest successful login kept in the event log
};

// What an administrator's action did. Unchanged: nothing to do (already
// locked, not locked, two-step login not on). TooManyMails: the address
// has had MAIL_MAX_PER_HOUR mails this hour; nothing was queued.
enum class AdminResult { Done, NotFound, Unchanged, TooManyMails };
const char* admin_result_text(AdminResult result);

// What housekeeping deleted (sessionauth-admin purge prints it).
struct PurgeCounts {
    std::int64_t events = 0;
    std::int64_t pictures = 0;
};

class Accounts {
public:
    // Rate limits of the links mailed on request.
    static constexpr std::int64_t kResetLinksPerAccountPerHour = 3;
    static constexpr std::int64_t kResetRequestsPerAddressPerHour = 10;
    static constexpr std::int64_t kEmailChangesPerHour = 3;
    // Sign-up mails (links and "someone tried" notes) to one address asked
    // for from one client address (beyond that, MAIL_MAX_PER_HOUR).
    static constexpr std::int64_t kSignupMailsPerAddressPerHour = 3;

    Accounts(Store& store, const Clock& clock, const Config& config, PasswordHasher& hasher, const PasswordPolicy& policy,
             PictureStore& pictures, const MailComposer& composer, Outbox& outbox);

    // ---- who is asking ----
    std::optional<Identity> identify(std::string_view session_token);

    // ---- the security event log (account/events.hh) ----
    EventLog& events() { return events_; }

    // ---- passwords ----
    // What is wrong with `password` as a new password of this person, if anything.
    std::optional<std::string> password_problem(const std::string& password, const std::string& email,
                                                const std::string& name) const;
    // The current password typed again (a wrong one counts as a failed
    // login), and a code when two-step login is on (throttled per account).
    ReauthCheck reauthenticate(const User& user, const Proof& proof, const Client& client, const char* action);

    // ---- the account's life ----
    // `password` already accepted by password_problem. Known address or
    // not, the same work: one Argon2 hash, one mail queued.
    RegisterOutcome register_account(const std::string& email, const std::string& name, const std::string& password,
                                     const Client& client);
    // The sign-up link: Valid with the address it will make an account for
    // (in `payload`), within the limit on failed links (link_wait).
    LinkCheck check_signup_link(std::string_view token, const Client& client);
    // Makes the account the link was mailed for, given the password chosen
    // at sign-up, and logs it in (ending `old_session_token`, if any).
    SignupConfirmOutcome confirm_signup(std::string_view token, const std::string& password, const Client& client,
                                        std::string_view old_session_token = {});
    // A new link for the address's waiting registration, if one waits.
    SignupResendResult resend_signup_link(const std::string& email, const Client& client);
    // Ends `old_session_token` (if any) and makes a new session; with
    // two-step login on, a pending login for the browser with
    // `browser_secret` instead (complete_login ends it).
    LoginOutcome log_in(const std::string& email, const std::string& password, const Client& client,
                        std::string_view old_session_token = {}, std::string_view browser_secret = {});
    void log_out(std::string_view session_token, const Client& client, std::int64_t user_id);
    // The name, and a new picture (bytes accepted by sniff_image) or none.
    ProfileResult update_profile(const User& user, const std::string& name, const std::string* picture,
                                 const ImageCheck& picture_check, bool remove_picture, const Client& client);

    // ---- mailed links (reset, email change, sign-up) ----
    // The limit on guessing links, per client address (an IPv6 client by
    // its /64; LINK_FAILURES_PER_HOUR, 20, in an hour): every confirmation
    // of a link asks link_wait first and answers 429 with Retry-After when
    // it has a value; a link that is not Valid (unknown, damaged, expired,
    // used, superseded) is then counted with link_failed. check_reset_link,
    // reset_password, check_email_link, confirm_email_change,
    // check_signup_link and confirm_signup do both. Both record an event
    // (link.bad: throttled, failed) naming the `kind` of link ("reset",
    // "email", "signup"); link_wait records none without a kind.
    std::optional<std::int64_t> link_wait(const Client& client, std::string_view kind = {});
    void link_failed(const Client& client, std::string_view kind, TokenState state);

    // ---- passwords ----
    // Ends every session, the current one too, and starts a new one for it.
    PasswordChangeOutcome change_password(const User& user, const Proof& current, const std::string& fresh,
                                          const std::string& confirm, const Client& client);
    // Mails a link when the address has an account (within its hourly limit);
    // known or not, the same work.
    ResetRequestResult request_reset(const std::string& email, const Client& client);
    LinkCheck check_reset_link(std::string_view token, const Client& client);
    ResetOutcome reset_password(std::string_view token, const std::string& fresh, const std::string& confirm,
                                const Client& client);

    // ---- the email address ----
    // `new_email` is normalised, or nullopt when what was typed is not an address.
    EmailChangeRequestOutcome request_email_change(const User& user, const std::optional<std::string>& new_email,
                                                   const Proof& current, const Client& client);
    std::optional<TokenCheck> pending_email_change(std::int64_t user_id);
    // False when nothing was waiting.
    bool cancel_email_change(std::int64_t user_id);
    LinkCheck check_email_link(std::string_view token, const Client& client);
    // Ends the account's other sessions; `current` is the session of the
    // browser that confirms, kept if it is the account's own.
    EmailConfirmOutcome confirm_email_change(std::string_view token, const Client& client,
                                             const std::optional<Identity>& current);

    // ---- the account's end, and its data ----
    // Deletes the account and everything that names it: sessions, links,
    // pending changes, two-step login, throttle and request rows for its
    // address, its mail waiting in the outbox, its own events, and the
    // picture file. Then queues a last notice to the address (after the
    // waiting mail is gone, and outside its hourly share, so it goes) and
    // records account.deleted with the account id alone.
    DeleteOutcome delete_account(const User& user, const Proof& proof, const std::string& typed_email,
                                 const Client& client);
    // The same without asking anything, for an administrator (`actor`, in
    // the event); false if there is no such account.
    bool admin_delete_account(std::int64_t user_id, const Client& client, std::string_view actor);
    // What the site holds about the account, for its owner to take away.
    AccountData account_data(const User& user);

    // ---- sessions ----
    std::vector<SessionInfo> sessions_of(std::int64_t user_id);
    EndSessionOutcome end_session(const Identity& who, std::int64_t session_id, const Proof& current,
                                  const Client& client);
    EndSessionOutcome end_other_sessions(const Identity& who, const Proof& current, const Client& client);

    // ---- two-step login (two_step.cc) ----
    bool two_factor_on(std::int64_t user_id) { return two_factor_.on(user_id); }
    std::int64_t recovery_codes_left(std::int64_t user_id) { return two_factor_.recovery_codes_left(user_id); }
    // With the current password: a new secret to show (QR code and text),
    // which turns nothing on yet.
    TwoFactorOutcome start_two_factor(const Identity& who, const std::string& password, const Client& client);
    // The secret being set up, if one waits (for its QR code).
    std::optional<std::string> two_factor_setup(const Identity& who) {
        return two_factor_.setup_secret(who.user.id, who.session.id);
    }
    // A code from the app for the secret being set up: on, with recovery codes.
    TwoFactorOutcome confirm_two_factor(const Identity& who, const std::string& code, const Client& client);
    TwoFactorOutcome turn_off_two_factor(const User& user, const Proof& current, const Client& client);
    TwoFactorOutcome new_recovery_codes(const User& user, const Proof& current, const Client& client);
    // Whether `pending_token` is a live pending login of this browser.
    bool pending_login_live(std::string_view pending_token, std::string_view browser_secret);
    // The administrator's way out for someone who lost both the phone and
    // the recovery codes (sessionauth-admin two-factor-off): off, with its
    // notice; false when the address has no account or it was not on.
    // `actor` names the administrator in the event.
    bool admin_turn_off_two_factor(const std::string& email, const Client& client, std::string_view actor);
    // The code step: a session when the code (or a recovery code) is right.
    LoginOutcome complete_login(std::string_view pending_token, std::string_view browser_secret, const std::string& code,
                                const Client& client, std::string_view old_session_token = {});

    // ---- passkeys (passkeys.cc) ----
    // Challenges live 5 minutes; a step-up's grant as long.
    static constexpr std::int64_t kPasskeyChallengeLifetime = 300;
    static constexpr std::int64_t kLoginChallengesPerNetwork = 1000;
    std::vector<Passkey> passkeys_of(std::int64_t user_id) { return store_.passkeys().list_for_user(user_id); }
    // Adding one asks again for the password (and code): the creation
    // options' challenge, user handle and the credentials to exclude.
    PasskeyOutcome start_passkey_registration(const Identity& who, const Proof& current, const Client& client,
                                              std::string_view browser_secret);
    PasskeyOutcome add_passkey(const Identity& who, const PasskeyResponse& response, const std::string& name,
                               const Client& client, std::string_view browser_secret);
    PasskeyOutcome rename_passkey(const User& user, std::int64_t id, const std::string& name, const Client& client);
    PasskeyOutcome remove_passkey(const User& user, std::int64_t id, const Client& client);
    // A login with a passkey: a challenge for this browser, then its answer.
    // A passkey login counts as both steps. `browser_token` is the cookie
    // that marks browsers which logged in with a passkey before (empty: none).
    // Anyone may ask for a login challenge, and each is a row until it
    // expires: a network (address_for_limits) has at most
    // kLoginChallengesPerNetwork alive, then Throttled until one expires.
    PasskeyOutcome passkey_login_challenge(std::string_view browser_secret, const Client& client);
    PasskeyOutcome log_in_with_passkey(const PasskeyResponse& response, const Client& client,
                                       std::string_view old_session_token, std::string_view browser_secret,
                                       std::string_view browser_token);
    // A passkey in place of the code a form asks for again: a challenge for
    // the account's passkeys, then its answer, which yields a one-time grant
    // (5 minutes) that check_code takes as the code.
    PasskeyOutcome passkey_step_up_challenge(const Identity& who, std::string_view browser_secret);
    PasskeyOutcome passkey_step_up(const Identity& who, const PasskeyResponse& response, const Client& client,
                                   std::string_view browser_secret);
    // The prefix of a step-up grant in the code field.
    static constexpr std::string_view kGrantPrefix = "passkey:";
    // ---- administration (admin.cc): /admin and sessionauth-admin ----
    // Each change is one write transaction and one event naming the
    // administrator (`actor`: the REMOTE_USER the web server authenticated,
    // or the shell's user).
    // Accounts whose address or name contains `text`.
    std::vector<User> find_accounts(std::string_view text, std::int64_t limit = 50);
    std::optional<AccountSummary> account_summary(std::int64_t user_id);
    // Locked: no login (LoginResult::Locked), every session and pending
    // login ends, and no session of it is accepted until it is unlocked.
    AdminResult lock_account(std::int64_t user_id, const Client& client, std::string_view actor);
    AdminResult unlock_account(std::int64_t user_id, const Client& client, std::string_view actor);
    // Ends every session (and pending login) of the account.
    AdminResult end_sessions(std::int64_t user_id, const Client& client, std::string_view actor);
    // Mails the account a reset link (within MAIL_MAX_PER_HOUR; not the
    // hourly limit of links a visitor may ask for).
    AdminResult send_reset_link(std::int64_t user_id, const Client& client, std::string_view actor);
    // admin_turn_off_two_factor for an account by id.
    AdminResult turn_off_two_factor_of(std::int64_t user_id, const Client& client, std::string_view actor);
    // admin_delete_account (lifecycle.cc): the account and everything that
    // names it, its last notice queued, account.deleted naming the actor.
    AdminResult delete_account_of(std::int64_t user_id, const Client& client, std::string_view actor);
    // What waits in the outbox (addresses, attempts, errors; never the text).
    std::vector<OutboxEntry> mail_queue(std::int64_t limit = 200);
    // Every failed message is due again now; returns how many.
    std::int64_t retry_failed_mail(const Client& client, std::string_view actor);

    // Deletes what has expired: sessions, login failures, old links and
    // requests, picture files no account uses, security events older than
    // EVENT_RETENTION_DAYS. Returns how many events and picture files went.
    PurgeCounts housekeeping();

    // Test hooks: run at a fixed point so that a test can make another
    // request happen there (never set outside tests).
    struct Hooks {
        // After a password was verified, before the write that acts on it.
        std::function<void()> after_password_verified;
    };
    Hooks hooks;

private:
    // The dummy hash a login without an account verifies against, so that
    // it costs what a wrong password costs. Kept in the settings, made again
    // when the cost changes.
    const std::string& dummy_hash();
    // A new password typed twice: the policy's verdict (why, in `problem`), then the match.
    enum class NewPassword { Ok, Rejected, Mismatch };
    NewPassword check_new_password(const User& user, const std::string& fresh, const std::string& confirm,
                                   std::string& problem) const;
    // Inside a write transaction: the account's new password hash. Ends
    // every session, voids reset and email-change links, clears the
    // throttle and queues the notice. The one place these rules are written.
    void set_new_password(const User& user, const std::string& hash, Notice notice, const Client& client);
    bool verify_password(const std::string& hash, const std::string& password);
    // Inside a write transaction: a new reset link for `user`, its mail
    // queued (the caller checked the address's share of mail).
    void queue_reset_link(const User& user, std::int64_t now);
    // An administrator's change (admin.cc): `change` runs inside the write
    // transaction with the account and returns false when there was nothing
    // to change; done, it is recorded as `event` naming the `actor`.
    AdminResult admin_change(std::int64_t user_id, const Client& client, std::string_view actor, const char* event,
                             std::string_view detail, const std::function<bool(const User&)>& change);
    // Inside a write transaction: every session and pending login of the account ends.
    void end_all_sessions(std::int64_t user_id);
    // Inside a write transaction: the sign-up link (or, for an address that
    // has an account, the note to its owner) queued for `email`.
    // False if the address's share of mail is used up.
    bool queue_signup_mail(const std::string& email, const std::optional<User>& owner, const std::string& token,
                           std::int64_t now);
    // Inside a write transaction: true if another sign-up mail may go to
    // the address this hour, asked for by this client.
    bool signup_mail_allowed(const std::string& email, const Client& client);
    // Inside the write transaction that acts on a password checked before
    // it: true if nothing ended the account's sessions since `checked` was
    // read (no new password, reset, "log out other sessions" or new
    // address: each raises the session epoch). A rehash does not count.
    bool still_current(const User& checked);
    // The same, for the account's row as just read (`now`; none: deleted).
    static bool still_current(const User& checked, const std::optional<User>& now);
    // Inside a write transaction, after the password of a reauthentication
    // was right: the code (or a passkey grant of `session_id`), its verdict
    // in `check` (two_step.cc).
    void check_code(const User& user, const std::string& code, std::int64_t session_id, const Client& client,
                    const char* action, ReauthCheck& check);
    // A two-step login change asked again with password and code (two_step.cc):
    // `change` runs inside the write transaction once both were right.
    TwoFactorOutcome asked_again(const User& user, const Proof& current, const Client& client, const char* action,
                                 const char* event, const std::function<void(TwoFactorOutcome&)>& change);
    // The checks a passkey assertion (login or step-up) shares: the client
    // data, the challenge of `purpose`, the credential, the signature and
    // the counter (passkeys.cc). The passkey, with the outcome's result Done.
    std::optional<Passkey> verify_assertion(const PasskeyResponse& response, const char* purpose,
                                            std::string_view browser_secret, const std::optional<Identity>& who,
                                            const Client& client, PasskeyOutcome& out);
    // A new challenge for `purpose`, issued to the browser (and account and
    // session, or for a login to the client's network: none when that
    // network has kLoginChallengesPerNetwork alive).
    std::optional<std::string> new_passkey_challenge(const char* purpose, std::string_view browser_secret,
                                                     std::int64_t user_id, std::int64_t session_id,
                                                     std::string_view client_net = {});
    // A link of `links` checked within the limit on failed links (counted).
    LinkCheck check_link(TokenStore& links, std::string_view token, const Client& client, const char* kind);
    // confirm_signup once the limit on links allowed it.
    SignupConfirmOutcome apply_signup(std::string_view token, const std::string& password, const Client& client,
                                      std::string_view old_session_token);
    // Inside a write transaction: deletes the account and every row that
    // names it, queues the last notice; returns its picture file name ("" for none).
    std::string erase_account(const User& user);
    // After erase_account's commit: the picture file and the event.
    void account_erased(const User& user, const std::string& picture, const Client& client, std::string_view actor);
    // confirm_email_change once the limit on links allowed it.
    EmailConfirmOutcome apply_email_change(std::string_view token, const Client& client,
                                           const std::optional<Identity>& current);
    void reached(const std::function<void()>& hook) const {
        // A copy: the hook may replace itself while it runs.
        if (std::function<void()> run = hook) run();
    }

    Store& store_;
    const Clock& clock_;
    const Config& config_;
    PasswordHasher& hasher_;
    const PasswordPolicy& policy_;
    PictureStore& pictures_;
    const MailComposer& composer_;
    Outbox& outbox_;
    LoginThrottle throttle_;
    Notices notices_;
    TwoFactor two_factor_;
    EventLog events_;
    std::string dummy_hash_;
};

}  // namespace auth
