#include "account/accounts.hh"

#include <algorithm>

#include "account/password_policy.hh"
#include "account/passwords.hh"
#include "account/pictures.hh"
#include "core/clock.hh"
#include "core/config.hh"
#include "core/log.hh"
#include "core/net_address.hh"
#include "core/validate.hh"
#include "mail/compose.hh"
#include "mail/outbox.hh"

namespace auth {

namespace {

std::string account(std::int64_t id) { return "account " + std::to_string(id); }

// "30 minutes", "1 minute" (rounded up); whole hours as hours.
std::string duration_text(std::int64_t seconds) {
    if (seconds >= 3600 && seconds % 3600 == 0) {
        std::int64_t h = seconds / 3600;
        return std::to_string(h) + (h == 1 ? " hour" : " hours");
    }
    std::int64_t m = (seconds + 59) / 60;
    return std::to_string(m) + (m == 1 ? " minute" : " minutes");
}

// The confirmation `apply` (an outcome with TooManyLinks and BadLink
// results) if the client's address may still try links, else TooManyLinks with the
// wait; a BadLink counted once apply's transaction is over (a failure
// rolls it back).
template <class Outcome, class Apply>
Outcome within_link_limit(Accounts& accounts, const Client& client, const char* kind, Apply apply) {
    using Result = decltype(Outcome::result);
    if (auto wait = accounts.link_wait(client, kind)) {
        Outcome out;
        out.result = Result::TooManyLinks;
        out.retry_after = *wait;
        return out;
    }
    Outcome out = apply();
    if (out.result == Result::BadLink) accounts.link_failed(client, kind, out.state);
    return out;
}

const char* state_word(TokenState state) {
    switch (state) {
        case TokenState::Valid: return "valid";
        case TokenState::Malformed: return "damaged";
        case TokenState::Unknown: return "unknown";
        case TokenState::Used: return "used";
        case TokenState::Superseded: return "superseded";
        case TokenState::Expired: return "expired";
    }
    return "unknown";
}

// A link that was valid when checked but could not be used inside the
// transaction: used or expired meanwhile.
TokenState lost_race(TokenStore& tokens, std::string_view token) {
    TokenState now = tokens.check(token).state;
    return now == TokenState::Valid ? TokenState::Used : now;
}

}  // namespace

Accounts::Accounts(Store& store, const Clock& clock, const Config& config, PasswordHasher& hasher,
                   const PasswordPolicy& policy, PictureStore& pictures, const MailComposer& composer, Outbox& outbox)
    : store_(store),
      clock_(clock),
      config_(config),
      hasher_(hasher),
      policy_(policy),
      pictures_(pictures),
      composer_(composer),
      outbox_(outbox),
      throttle_(store.throttle(), clock),
      notices_(composer, outbox, clock, config.base_url, config.url("/reset")),
      two_factor_(store, clock, config, notices_),
      events_(store.events(), clock) {}

std::optional<Identity> Accounts::identify(std::string_view session_token) {
    auto found = store_.sessions().lookup(session_token);
    if (!found) return std::nullopt;
    return Identity{*found, std::move(found->user), found->two_factor_on, std::move(found->pending_email_change)};
}

const std::string& Accounts::dummy_hash() {
    if (!dummy_hash_.empty()) return dummy_hash_;
    dummy_hash_ = store_.settings().get("dummy_hash").value_or("");
    if (dummy_hash_.empty() || hasher_.needs_rehash(dummy_hash_)) {
        dummy_hash_ = hasher_.hash("not a password: " + config_.base_url);
        store_.settings().put("dummy_hash", dummy_hash_);
    }
    return dummy_hash_;
}

std::optional<std::string> Accounts::password_problem(const std::string& password, const std::string& email,
                                                      const std::string& name) const {
    return policy_.problem(password, email, name);
}

bool Accounts::verify_password(const std::string& hash, const std::string& password) {
    // Never hand Argon2 more than the policy allows anyone to set.
    bool ok = password.size() <= kPasswordMaxBytes && hasher_.verify(hash, password);
    reached(hooks.after_password_verified);
    return ok;
}

ReauthCheck Accounts::reauthenticate(const User& user, const Proof& proof, const Client& client, const char* action) {
    const std::string& password = proof.password;
    ReauthCheck c;
    LoginThrottle::Reservation slot;
    {
        // Returning before the commit rolls the reservation back: a
        // throttled or empty attempt records nothing.
        auto tx = store_.begin_write();
        slot = throttle_.reserve(user.email, client.ip);
        if (slot.retry_after) {
            c.result = Reauth::Throttled;
            c.retry_after = *slot.retry_after;
            tx.reset();
            events_.record(client, events::kReauth, Outcome::Throttled, user.id, action);
            return c;
        }
        if (password.empty()) {
            c.result = Reauth::Missing;
            return c;
        }
        tx->commit();
    }
    if (!verify_password(user.password_hash, password)) {
        events_.record(client, events::kReauth, Outcome::Failed, user.id, std::string(action) + ": wrong password");
        c.result = Reauth::Wrong;
        return c;
    }
    auto tx = store_.begin_write();
    throttle_.take_back(slot.id);
    if (two_factor_.on(user.id)) check_code(user, proof.code, proof.session_id, client, action, c);
    tx->commit();
    return c;
}

RegisterOutcome Accounts::register_account(const std::string& email, const std::string& name, const std::string& password,
                                           const Client& client) {
    std::int64_t now = clock_.now();
    RegisterOutcome out;
    SignupStore& signups = store_.signups();
    // The limit per client address first (it does not depend on the
    // address typed): a client past it costs no Argon2 hash.
    auto past_client_limit = [&] {
        if (signups.requests_from(client.ip, now - 3600) < config_.signup_max_per_hour_per_address) return false;
        out.result = RegisterResult::TooManyFromAddress;
        return true;
    };
    auto throttled = [&] {
        events_.record(client, events::kSignup, Outcome::Throttled, std::nullopt, "SIGNUP_MAX_PER_HOUR_PER_ADDRESS");
        return out;
    };
    if (past_client_limit()) return throttled();
    // Hashed for known and unknown addresses alike: the answer's time must
    // not tell which it was.
    std::string hash = hasher_.hash(password);
    auto tx = store_.begin_write();
    if (past_client_limit()) {  // again, now that this holds the write lock
        tx.reset();
        return throttled();
    }
    if (!config_.signup_confirmation) {
        signups.record_request(email, client.ip, now);
        auto id = store_.users().create(email, name, hash, now);
        tx->commit();  // the request counts, taken address or not
        if (!id) {
            events_.record(client, events::kSignup, Outcome::Refused, std::nullopt, "address taken");
            return out;  // EmailTaken
        }
        out.result = RegisterResult::Created;
        out.user_id = *id;
        events_.record(client, events::kSignup, Outcome::Ok, *id, "made at once (SIGNUP_CONFIRMATION=False)");
        return out;
    }
    // Read inside the write transaction: a registration confirmed meanwhile
    // is seen here, and none can be confirmed before this commits.
    auto owner = store_.users().find_by_email(email);
    // Refused requests are not recorded: retrying does not lengthen the wait.
    if (!signup_mail_allowed(email, client) ||
        !queue_signup_mail(email, owner, signups.add(email, name, hash, std::nullopt, owner.has_value()), now)) {
        tx.reset();  // rolled back
        events_.record(client, events::kSignup, Outcome::Refused, std::nullopt, "the address has had its mails for this hour");
        out.result = RegisterResult::TooManyMails;
        return out;
    }
    signups.record_request(email, client.ip, now);
    tx->commit();
    // For a taken address the event is the owner's (it shows on their
    // activity page); the one who registered sees only "check your inbox".
    if (owner)
        events_.record(client, events::kSignup, Outcome::Refused, owner->id, "the address has an account: its owner was told");
    else
        events_.record(client, events::kSignup, Outcome::Ok, std::nullopt, "link queued");
    out.result = RegisterResult::LinkSent;
    return out;
}

bool Accounts::signup_mail_allowed(const std::string& email, const Client& client) {
    std::int64_t since = clock_.now() - 3600;
    // Per address and client address, so that nobody can use up another
    // person's sign-up mails; per address, MAIL_MAX_PER_HOUR.
    return store_.signups().requests_for(email, client.ip, since) < kSignupMailsPerAddressPerHour &&
           outbox_.within_share(email, MailKind::Link);
}

bool Accounts::queue_signup_mail(const std::string& email, const std::optional<User>& owner, const std::string& token,
                                 std::int64_t now) {
    MailFields f;
    f.values = {{"SITE", config_.base_url}};
    std::string message;
    std::int64_t valid_for = store_.signups().ttl();
    if (owner) {
        // The note to the owner: nothing changes, and it has no link that
        // could make or change anything by itself. The decoy's token is
        // thrown away here.
        f.values["NAME"] = owner->name;
        f.values["LOGIN_LINK"] = config_.url("/login");
        f.values["RESET_LINK"] = config_.url("/reset");
        message = composer_.compose("signup_exists_mail", owner->email, "Someone tried to create an account with your address",
                                    f, now);
        valid_for = 24 * 3600;
    } else {
        // No name: whoever registers chooses it, and this mail goes to
        // an address they need not own.
        f.values["LINK"] = config_.url("/register/confirm?token=" + token);
        f.values["VALID_FOR"] = duration_text(valid_for);
        message = composer_.compose("signup_mail", email, "Confirm your email address", f, now);
    }
    return outbox_.enqueue(MailKind::Link, composer_.from(), owner ? owner->email : email, message, now + valid_for);
}

LinkCheck Accounts::check_signup_link(std::string_view token, const Client& client) {
    LinkCheck out;
    if (auto wait = link_wait(client, "signup")) {
        out.retry_after = *wait;
        return out;
    }
    SignupCheck c = store_.signups().check(token);
    out.state = c.state;
    if (c.state == TokenState::Valid)
        out.payload = c.signup.email;
    else
        link_failed(client, "signup", c.state);
    return out;
}

SignupConfirmOutcome Accounts::confirm_signup(std::string_view token, const std::string& password, const Client& client,
                                              std::string_view old_session_token) {
    return within_link_limit<SignupConfirmOutcome>(
        *this, client, "signup", [&] { return apply_signup(token, password, client, old_session_token); });
}

SignupConfirmOutcome Accounts::apply_signup(std::string_view token, const std::string& password, const Client& client,
                                            std::string_view old_session_token) {
    SignupConfirmOutcome out;
    SignupStore& signups = store_.signups();
    SignupCheck link = signups.check(token);
    out.state = link.state;
    if (link.state != TokenState::Valid) return out;
    out.email = link.signup.email;
    // The password chosen at sign-up, asked again: whoever opens the link
    // makes the account only with it, so a link that someone else asked
    // for (with their password) cannot make an account for them. Counted
    // by the login throttle, reserved before it is verified.
    if (password.empty()) {
        out.result = SignupConfirmResult::PasswordMissing;
        return out;
    }
    LoginThrottle::Reservation slot;
    {
        auto tx = store_.begin_write();
        slot = throttle_.reserve(link.signup.email, client.ip);
        if (slot.retry_after) {
            out.result = SignupConfirmResult::Throttled;
            out.retry_after = *slot.retry_after;
            tx.reset();
            events_.record(client, events::kSignupConfirmed, Outcome::Throttled, std::nullopt);
            return out;
        }
        tx->commit();
    }
    if (!verify_password(link.signup.password_hash, password)) {
        events_.record(client, events::kSignupConfirmed, Outcome::Failed, std::nullopt, "not the password chosen at sign-up");
        out.result = SignupConfirmResult::WrongPassword;
        return out;  // the reserved failure stays
    }
    std::int64_t now = clock_.now();
    auto tx = store_.begin_write();
    auto waiting = signups.consume(token);
    if (!waiting || waiting->password_hash != link.signup.password_hash) {
        out.state = signups.check(token).state;
        if (out.state == TokenState::Valid) out.state = TokenState::Used;  // lost a race
        out.result = SignupConfirmResult::BadLink;
        return out;
    }
    throttle_.succeeded(slot.id, waiting->email);
    auto id = store_.users().create(waiting->email, waiting->name, waiting->password_hash, now);
    if (!id) {
        // An account has the address already (made while confirmation was
        // off, or by an email change): the link is used up, nothing made.
        tx->commit();
        out.result = SignupConfirmResult::Taken;
        events_.record(client, events::kSignupConfirmed, Outcome::Refused, std::nullopt, "the address has an account");
        return out;
    }
    store_.users().set_confirmed(*id, now);
    if (!old_session_token.empty()) store_.sessions().destroy(old_session_token);
    out.session_token = store_.sessions().create(*id, client.ip, client.user_agent);
    tx->commit();
    out.result = SignupConfirmResult::Created;
    out.user_id = *id;
    events_.record(client, events::kSignupConfirmed, Outcome::Ok, *id);
    return out;
}

SignupResendResult Accounts::resend_signup_link(const std::string& email, const Client& client) {
    std::int64_t now = clock_.now();
    SignupStore& signups = store_.signups();
    auto tx = store_.begin_write();
    if (signups.requests_from(client.ip, now - 3600) >= config_.signup_max_per_hour_per_address) {
        tx.reset();
        events_.record(client, events::kSignupResent, Outcome::Throttled, std::nullopt, "SIGNUP_MAX_PER_HOUR_PER_ADDRESS");
        return SignupResendResult::TooManyFromAddress;
    }
    if (!signup_mail_allowed(email, client)) {
        tx.reset();
        events_.record(client, events::kSignupResent, Outcome::Refused, std::nullopt,
                       "the address has had its mails for this hour");
        return SignupResendResult::TooManyMails;
    }
    signups.record_request(email, client.ip, now);
    auto waiting = signups.pending(email);
    if (waiting && !waiting->decoy && !store_.users().find_by_email(email)) {
        // A new link that ends when the first one would have: sending it
        // again never keeps a registration alive for longer.
        std::string token = signups.add(waiting->email, waiting->name, waiting->password_hash, waiting->expires_at);
        queue_signup_mail(waiting->email, std::nullopt, token, now);
    } else {
        outbox_.take_share(email);  // counted as if one went
    }
    tx->commit();
    events_.record(client, events::kSignupResent, Outcome::Ok, std::nullopt);
    return SignupResendResult::Sent;
}

LoginOutcome Accounts::log_in(const std::string& email, const std::string& password, const Client& client,
                              std::string_view old_session_token, std::string_view browser_secret) {
    LoginOutcome out;
    LoginThrottle::Reservation slot;
    {
        auto tx = store_.begin_write();
        slot = throttle_.reserve(email, client.ip);
        if (slot.retry_after) {
            out.result = LoginResult::Throttled;
            out.retry_after = *slot.retry_after;
            tx.reset();
            // The account's own activity shows the attempts that were held back.
            auto user = store_.users().find_by_email(email);
            events_.record(client, events::kLogin, Outcome::Throttled, user ? std::optional(user->id) : std::nullopt);
            return out;
        }
        tx->commit();
    }
    auto user = store_.users().find_by_email(email);
    // A registration waiting for its link may have the password. Where one
    // waits, two hashes are verified, whether or not the address has an
    // account (a registration for a taken address leaves a decoy that
    // waits the same way): the answer and its time tell only what the
    // one who registered already knows.
    bool right = verify_password(user ? user->password_hash : dummy_hash(), password);
    std::optional<PendingSignup> waiting;
    if (!right) waiting = store_.signups().pending(email);  // a right password needs no second look
    if (waiting && verify_password(waiting->password_hash, password)) {
        auto tx = store_.begin_write();
        throttle_.take_back(slot.id);  // a right password is no failure
        tx->commit();
        events_.record(client, events::kLogin, Outcome::Refused, std::nullopt, "the sign-up link was not opened yet");
        out.result = LoginResult::Unconfirmed;
        return out;
    }
    bool ok = right && user;
    if (!ok) {
        events_.record(client, events::kLogin, Outcome::Failed, user ? std::optional(user->id) : std::nullopt);
        return out;  // Refused; the reserved failure stays
    }
    // A new cost for the same password, made before the transaction (it is
    // as slow as the verify) and stored only if the hash is still this one.
    std::string rehashed = hasher_.needs_rehash(user->password_hash) ? hasher_.hash(password) : "";

    auto tx = store_.begin_write();
    auto fresh = store_.users().find_by_id(user->id);
    if (fresh && fresh->locked()) {
        // Locked by an administrator (also while this password was
        // checked): said only after the right password (which is no
        // failure), so that the owner knows whom to ask.
        throttle_.take_back(slot.id);
        tx->commit();
        events_.record(client, events::kLogin, Outcome::Refused, user->id, "the account is locked");
        out.result = LoginResult::Locked;
        return out;
    }
    if (!still_current(*user, fresh)) {
        // A new password, a reset or "log out other sessions" committed while
        // this password was checked: what it ended must not come back.
        tx.reset();
        events_.record(client, events::kLogin, Outcome::Refused, user->id,
                       "its sessions were ended while the password was checked");
        return out;
    }
    throttle_.succeeded(slot.id, email);
    if (!rehashed.empty()) store_.users().replace_hash_if(user->id, rehashed, user->password_hash);
    if (two_factor_.on(user->id)) {
        out.pending_token = two_factor_.start_pending_login(*user, browser_secret);
        tx->commit();
        out.result = LoginResult::CodeNeeded;
        out.user_id = user->id;
        events_.record(client, events::kLogin, Outcome::Ok, user->id, "password right; the code step follows");
        return out;
    }
    if (!old_session_token.empty()) store_.sessions().destroy(old_session_token);
    out.session_token = store_.sessions().create(user->id, client.ip, client.user_agent);
    tx->commit();
    out.result = LoginResult::LoggedIn;
    out.user_id = user->id;
    events_.record(client, events::kLogin, Outcome::Ok, user->id);
    return out;
}

void Accounts::log_out(std::string_view session_token, const Client& client, std::int64_t user_id) {
    auto tx = store_.begin_write();
    store_.sessions().destroy(session_token);
    tx->commit();
    events_.record(client, events::kLogout, Outcome::Ok, user_id);
}

ProfileResult Accounts::update_profile(const User& user, const std::string& name, const std::string* picture,
                                       const ImageCheck& picture_check, bool remove_picture, const Client& client) {
    // The file first, under a new name; the database names it in the same
    // transaction as the name; the file it replaces goes after the commit.
    std::string stored = picture ? pictures_.write(*picture, *picture_check.type) : "";
    std::string replaced;
    try {
        auto tx = store_.begin_write();
        store_.users().update_name(user.id, name, clock_.now());
        if (picture || remove_picture) replaced = store_.users().set_picture(user.id, stored);
        tx->commit();
    } catch (...) {
        if (!stored.empty()) pictures_.remove_file(stored);
        throw;
    }
    if (!replaced.empty()) pictures_.remove_file(replaced);
    if (picture)
        events_.record(client, events::kPictureChanged, Outcome::Ok, user.id,
                       std::string("new, ") + content_type(*picture_check.type) + ", " +
                           std::to_string(picture_check.width) + "x" + std::to_string(picture_check.height));
    else if (remove_picture && !replaced.empty())
        events_.record(client, events::kPictureChanged, Outcome::Ok, user.id, "removed");
    return !picture && remove_picture && !replaced.empty() ? ProfileResult::PictureRemoved : ProfileResult::Saved;
}

Accounts::NewPassword Accounts::check_new_password(const User& user, const std::string& fresh, const std::string& confirm,
                                                   std::string& problem) const {
    if (auto why = policy_.problem(fresh, user.email, user.name)) {
        problem = *why;
        return NewPassword::Rejected;
    }
    return fresh == confirm ? NewPassword::Ok : NewPassword::Mismatch;
}

void Accounts::queue_reset_link(const User& user, std::int64_t now) {
    TokenStore& links = store_.reset_tokens();
    std::string token = links.issue(user.id);
    MailFields f;
    f.values = {{"NAME", user.name},
                {"LINK", config_.url("/reset/confirm?token=" + token)},
                {"VALID_FOR", duration_text(links.ttl())},
                {"SITE", config_.base_url}};
    outbox_.enqueue(MailKind::Link, composer_.from(), user.email,
                    composer_.compose("reset_mail", user.email, "Reset your password", f, now), now + links.ttl());
}

bool Accounts::still_current(const User& checked) { return still_current(checked, store_.users().find_by_id(checked.id)); }

bool Accounts::still_current(const User& checked, const std::optional<User>& now) {
    return now && now->session_epoch == checked.session_epoch;
}

void Accounts::set_new_password(const User& user, const std::string& hash, Notice notice, const Client& client) {
    store_.users().set_password_hash(user.id, hash, clock_.now());
    store_.sessions().destroy_all_for_user(user.id);
    store_.reset_tokens().void_all_for_user(user.id);   // a link mailed before must not undo it
    store_.email_changes().void_all_for_user(user.id);  // nor an address change asked for with the old password
    throttle_.clear(user.email);
    notices_.queue(notice, {user.email, user.name, client.ip, ""});
}

PasswordChangeOutcome Accounts::change_password(const User& user, const Proof& current, const std::string& fresh,
                                                const std::string& confirm, const Client& client) {
    PasswordChangeOutcome out;
    NewPassword verdict = check_new_password(user, fresh, confirm, out.problem);
    // With two-step login on, a code is spent when it is checked: a form
    // that cannot succeed for another reason does not spend it.
    if (verdict != NewPassword::Ok && two_factor_.on(user.id)) {
        out.result = verdict == NewPassword::Rejected ? PasswordChangeResult::Rejected : PasswordChangeResult::Mismatch;
        return out;
    }
    out.reauth = reauthenticate(user, current, client, "password change");
    if (!out.reauth.ok()) return out;
    switch (verdict) {
        case NewPassword::Rejected: out.result = PasswordChangeResult::Rejected; return out;
        case NewPassword::Mismatch: out.result = PasswordChangeResult::Mismatch; return out;
        case NewPassword::Ok: break;
    }
    std::string hash = hasher_.hash(fresh);
    auto tx = store_.begin_write();
    if (!still_current(user)) {
        // Changed (or reset) by another request since it was checked: the
        // password typed is no longer the current one.
        tx.reset();
        events_.record(client, events::kPasswordChanged, Outcome::Refused, user.id, "the password changed meanwhile");
        out.reauth.result = Reauth::Wrong;
        return out;
    }
    set_new_password(user, hash, Notice::PasswordChanged, client);
    out.session_token = store_.sessions().create(user.id, client.ip, client.user_agent);
    tx->commit();
    out.result = PasswordChangeResult::Changed;
    events_.record(client, events::kPasswordChanged, Outcome::Ok, user.id, "other sessions ended");
    return out;
}

ResetRequestResult Accounts::request_reset(const std::string& email, const Client& client) {
    std::int64_t now = clock_.now();
    auto user = store_.users().find_by_email(email);
    auto tx = store_.begin_write();
    if (store_.reset_requests().count_from(address_for_limits(client.ip), now - 3600) >= kResetRequestsPerAddressPerHour) {
        tx.reset();
        events_.record(client, events::kResetRequested, Outcome::Throttled, user ? std::optional(user->id) : std::nullopt);
        return ResetRequestResult::TooManyFromAddress;
    }
    // Recorded for known and unknown addresses alike, so both cost the same.
    store_.reset_requests().record(email, address_for_limits(client.ip), now);
    if (!outbox_.within_share(email, MailKind::Link)) {
        tx->commit();  // the request is kept (it counts toward the limit per client address)
        events_.record(client, events::kResetRequested, Outcome::Refused, user ? std::optional(user->id) : std::nullopt,
                       "MAIL_MAX_PER_HOUR");
        return ResetRequestResult::TooManyMails;
    }
    // Within the share (and this transaction holds the write lock): what
    // follows is counted toward it.
    TokenStore& links = store_.reset_tokens();
    if (user && links.issued_since(user->id, now - 3600) < kResetLinksPerAccountPerHour) {
        queue_reset_link(*user, now);
        tx->commit();
        events_.record(client, events::kResetRequested, Outcome::Ok, user->id, "link queued");
        return ResetRequestResult::Accepted;
    }
    // No mail goes (no account, or its links for this hour are used up),
    // but the address's share is counted as if one did.
    outbox_.take_share(email);
    tx->commit();
    if (user)
        events_.record(client, events::kResetRequested, Outcome::Refused, user->id, "hourly limit of links reached");
    else
        events_.record(client, events::kResetRequested, Outcome::Refused, std::nullopt, "no account");
    return ResetRequestResult::Accepted;
}

std::optional<std::int64_t> Accounts::link_wait(const Client& client, std::string_view kind) {
    std::int64_t now = clock_.now();
    auto at = store_.link_failures().nth_failure_from(address_for_limits(client.ip), now - 3600, config_.link_failures_per_hour);
    if (!at) return std::nullopt;
    if (!kind.empty()) events_.record(client, events::kBadLink, Outcome::Throttled, std::nullopt, kind);
    return std::max<std::int64_t>(1, *at + 3600 - now);
}

void Accounts::link_failed(const Client& client, std::string_view kind, TokenState state) {
    store_.link_failures().record(address_for_limits(client.ip), clock_.now());
    events_.record(client, events::kBadLink, Outcome::Failed, std::nullopt, std::string(kind) + " " + state_word(state));
}

LinkCheck Accounts::check_link(TokenStore& links, std::string_view token, const Client& client, const char* kind) {
    LinkCheck out;
    if (auto wait = link_wait(client, kind)) {
        out.retry_after = *wait;
        return out;
    }
    TokenCheck c = links.check(token);
    out.state = c.state;
    out.payload = c.payload;
    if (c.state == TokenState::Valid) {
        out.user = store_.users().find_by_id(c.user_id);
        if (!out.user) out.state = TokenState::Unknown;
    }
    if (out.state != TokenState::Valid) link_failed(client, kind, out.state);
    return out;
}

LinkCheck Accounts::check_reset_link(std::string_view token, const Client& client) {
    return check_link(store_.reset_tokens(), token, client, "reset");
}

ResetOutcome Accounts::reset_password(std::string_view token, const std::string& fresh, const std::string& confirm,
                                      const Client& client) {
    ResetOutcome out;
    LinkCheck link = check_reset_link(token, client);
    out.state = link.state;
    if (link.retry_after) {
        out.result = ResetResult::Throttled;
        out.retry_after = link.retry_after;
        return out;
    }
    if (link.state != TokenState::Valid) return out;
    const User& user = *link.user;
    switch (check_new_password(user, fresh, confirm, out.problem)) {
        case NewPassword::Rejected: out.result = ResetResult::Rejected; return out;
        case NewPassword::Mismatch: out.result = ResetResult::Mismatch; return out;
        case NewPassword::Ok: break;
    }
    std::string hash = hasher_.hash(fresh);
    auto tx = store_.begin_write();
    auto consumed = store_.reset_tokens().consume(token);
    auto now = store_.users().find_by_id(user.id);
    if (!consumed || consumed->user_id != user.id || !now) {
        out.state = lost_race(store_.reset_tokens(), token);
        return out;
    }
    if (consumed->created_at < now->password_changed_at) {
        // Issued before the last new password: void with it, whatever raced.
        out.state = TokenState::Superseded;
        return out;
    }
    set_new_password(*now, hash, Notice::PasswordReset, client);
    tx->commit();
    out.result = ResetResult::Done;
    out.user_id = user.id;
    events_.record(client, events::kPasswordReset, Outcome::Ok, user.id, "every session ended");
    return out;
}

EmailChangeRequestOutcome Accounts::request_email_change(const User& user, const std::optional<std::string>& new_email,
                                                         const Proof& current_password, const Client& client) {
    EmailChangeRequestOutcome out;
    if (!new_email)
        out.address = EmailAddressProblem::Invalid;
    else if (ascii_lower(*new_email) == ascii_lower(user.email))
        out.address = EmailAddressProblem::Same;
    // The password is checked (and counted) whatever the address, so both
    // errors show at once; but a code (two-step login) is spent when it is
    // checked, so not for an address that cannot be used.
    if (out.address != EmailAddressProblem::None && two_factor_.on(user.id)) return out;
    out.reauth = reauthenticate(user, current_password, client, "email change");
    if (!out.reauth.ok() || out.address != EmailAddressProblem::None) return out;

    std::int64_t now = clock_.now();
    TokenStore& links = store_.email_changes();
    auto tx = store_.begin_write();
    if (!still_current(user)) {
        // The password changed (or the sessions were ended) while it was
        // checked: the link must not outlive what voided the others.
        tx.reset();
        events_.record(client, events::kEmailChangeRequested, Outcome::Refused, user.id, "its sessions were ended meanwhile");
        out.reauth.result = Reauth::Wrong;
        return out;
    }
    if (links.issued_since(user.id, now - 3600) >= kEmailChangesPerHour) {
        tx.reset();
        events_.record(client, events::kEmailChangeRequested, Outcome::Throttled, user.id, "hourly limit reached");
        out.result = EmailChangeRequestResult::TooMany;
        return out;
    }
    // Whether another account has the address is not looked at here (that
    // would tell who has an account); confirming the link finds out.
    std::string token = links.issue(user.id, *new_email);
    MailFields f;
    f.values = {{"NAME", user.name},
                {"NEW_EMAIL", *new_email},
                {"LINK", config_.url("/profile/email/confirm?token=" + token)},
                {"VALID_FOR", duration_text(links.ttl())},
                {"SITE", config_.base_url}};
    if (!outbox_.enqueue(MailKind::Link, composer_.from(), *new_email,
                         composer_.compose("email_change_mail", *new_email, "Confirm your new email address", f, now),
                         now + links.ttl())) {
        tx.reset();  // rolled back: no link
        events_.record(client, events::kEmailChangeRequested, Outcome::Refused, user.id,
                       "the new address has had its mails for this hour");
        out.result = EmailChangeRequestResult::TooManyMails;
        return out;
    }
    notices_.queue(Notice::EmailChangeRequested, {user.email, user.name, client.ip, *new_email});
    tx->commit();
    out.result = EmailChangeRequestResult::Sent;
    events_.record(client, events::kEmailChangeRequested, Outcome::Ok, user.id, "link queued");
    return out;
}

std::optional<TokenCheck> Accounts::pending_email_change(std::int64_t user_id) {
    return store_.email_changes().pending(user_id);
}

bool Accounts::cancel_email_change(std::int64_t user_id) {
    auto tx = store_.begin_write();
    if (!store_.email_changes().pending(user_id)) return false;
    store_.email_changes().void_all_for_user(user_id);
    tx->commit();
    log_line(account(user_id) + " cancelled its email change");
    return true;
}

LinkCheck Accounts::check_email_link(std::string_view token, const Client& client) {
    return check_link(store_.email_changes(), token, client, "email");
}

EmailConfirmOutcome Accounts::confirm_email_change(std::string_view token, const Client& client,
                                                   const std::optional<Identity>& current) {
    return within_link_limit<EmailConfirmOutcome>(*this, client, "email",
                                                  [&] { return apply_email_change(token, client, current); });
}

EmailConfirmOutcome Accounts::apply_email_change(std::string_view token, const Client& client,
                                                 const std::optional<Identity>& current) {
    EmailConfirmOutcome out;
    TokenStore& links = store_.email_changes();
    auto tx = store_.begin_write();
    auto consumed = links.consume(token);
    if (!consumed) {
        out.state = lost_race(links, token);
        return out;
    }
    out.user_id = consumed->user_id;
    out.new_email = consumed->payload;
    auto user = store_.users().find_by_id(consumed->user_id);
    if (!user) {
        out.state = TokenState::Unknown;
        return out;
    }
    if (consumed->created_at < user->password_changed_at) {
        // Asked for before the last new password: void with it, whatever raced.
        out.state = TokenState::Superseded;
        return out;
    }
    if (!store_.users().set_email(user->id, consumed->payload, clock_.now())) {
        links.void_token(token);
        tx->commit();
        out.result = EmailConfirmResult::Taken;
        events_.record(client, events::kEmailChanged, Outcome::Refused, user->id, "the address has an account");
        return out;
    }
    links.void_all_for_user(user->id);                  // any older link of the account
    store_.reset_tokens().void_all_for_user(user->id);  // links sent to the old address
    // As after a password change, the account's other sessions end: the one
    // confirming stays if it is the account's own.
    std::optional<std::int64_t> keep;
    if (current && current->user.id == user->id) keep = current->session.id;
    store_.sessions().destroy_all_for_user(user->id, keep);
    store_.users().bump_session_epoch(user->id);
    notices_.queue(Notice::EmailChanged, {user->email, user->name, client.ip, consumed->payload});
    tx->commit();
    out.result = EmailConfirmResult::Changed;
    events_.record(client, events::kEmailChanged, Outcome::Ok, user->id, "other sessions ended");
    return out;
}

std::vector<SessionInfo> Accounts::sessions_of(std::int64_t user_id) { return store_.sessions().list_for_user(user_id); }

EndSessionOutcome Accounts::end_session(const Identity& who, std::int64_t session_id, const Proof& current_password,
                                        const Client& client) {
    EndSessionOutcome out;
    out.reauth = reauthenticate(who.user, current_password, client, "ending sessions");
    if (!out.reauth.ok()) return out;
    if (session_id == who.session.id) {
        out.result = EndSessionResult::Current;
        return out;
    }
    auto tx = store_.begin_write();
    if (!still_current(who.user)) {
        out.result = EndSessionResult::Reauth;
        out.reauth.result = Reauth::Wrong;
        return out;
    }
    if (!store_.sessions().destroy_for_user(who.user.id, session_id)) {
        out.result = EndSessionResult::NotFound;
        tx.reset();
        events_.record(client, events::kSessionEnded, Outcome::Refused, who.user.id, "not one of its sessions (or ended)");
        return out;
    }
    tx->commit();
    out.result = EndSessionResult::Ended;
    events_.record(client, events::kSessionEnded, Outcome::Ok, who.user.id, "one");
    return out;
}

EndSessionOutcome Accounts::end_other_sessions(const Identity& who, const Proof& current_password,
                                               const Client& client) {
    EndSessionOutcome out;
    out.reauth = reauthenticate(who.user, current_password, client, "ending sessions");
    if (!out.reauth.ok()) return out;
    auto tx = store_.begin_write();
    if (!still_current(who.user)) {
        // This session was ended (a new password, elsewhere) while the
        // password was checked: it cannot end the others now.
        out.result = EndSessionResult::Reauth;
        out.reauth.result = Reauth::Wrong;
        return out;
    }
    store_.sessions().destroy_all_for_user(who.user.id, who.session.id);
    store_.users().bump_session_epoch(who.user.id);
    tx->commit();
    out.result = EndSessionResult::Ended;
    events_.record(client, events::kSessionEnded, Outcome::Ok, who.user.id, "others");
    return out;
}

PurgeCounts Accounts::housekeeping() {
    std::int64_t now = clock_.now();
    PurgeCounts n;
    {
        auto tx = store_.begin_housekeeping();
        if (!tx) return n;  // another process is at it
        store_.sessions().purge_expired();
        store_.reset_tokens().purge_old();
        store_.email_changes().purge_old();
        store_.signups().purge_old();
        store_.reset_requests().purge_before(now - 24 * 3600);
        store_.link_failures().purge_before(now - 3600);
        store_.outbox().purge_counts_before(now - 3600);
        throttle_.purge_old();
        two_factor_.purge_old();
        store_.passkeys().purge(now);
        n.events = events_.purge_older_than(config_.event_retention_days);
        tx->commit();
    }
    n.pictures = pictures_.purge_orphans();
    return n;
}

}  // namespace auth
