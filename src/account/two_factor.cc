#include "account/two_factor.hh"

#include <sodium.h>

#include "core/clock.hh"
#include "core/config.hh"
#include "core/crypto.hh"
#include "core/log.hh"
#include "core/totp.hh"

namespace auth {

namespace {

// Recovery codes: 10 characters of base32 (50 bits), shown as two groups of 5.
constexpr std::size_t kRecoveryChars = 10;
constexpr char kRecoveryAlphabet[] = "abcdefghijklmnopqrstuvwxyz234567";

std::string account(std::int64_t id) { return "account " + std::to_string(id); }

bool all_digits(const std::string& s) {
    for (char c : s)
        if (c < '0' || c > '9') return false;
    return true;
}

std::string new_recovery_code() {
    std::string code;
    for (std::size_t i = 0; i < kRecoveryChars; ++i) {
        if (i == kRecoveryChars / 2) code += '-';
        code += kRecoveryAlphabet[randombytes_uniform(32)];
    }
    return code;
}

}  // namespace

TwoFactor::TwoFactor(Store& store, const Clock& clock, const Config& config, Notices& notices)
    : store_(store),
      clock_(clock),
      notices_(notices),
      throttle_(store.throttle(), clock),
      secret_key_(derive_key(config.secret_key, "2fa-totp")),
      recovery_key_(derive_key(config.secret_key, "2fa-rcvy")) {}

bool TwoFactor::on(std::int64_t user_id) { return store_.two_factor().active(user_id).has_value(); }

std::int64_t TwoFactor::recovery_codes_left(std::int64_t user_id) {
    return store_.two_factor().recovery_codes_left(user_id);
}

std::string TwoFactor::normalise_code(std::string_view typed) {
    std::string out;
    for (char c : typed) {
        if (c == ' ' || c == '-' || c == '\t') continue;
        out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    }
    return out;
}

std::string TwoFactor::associated(std::int64_t user_id) const { return "sessionauth totp secret v1, account " + std::to_string(user_id); }

SealedSecret TwoFactor::seal(std::int64_t user_id, const std::string& secret) const {
    SealedSecret s;
    s.sealed = aead_seal(secret_key_, secret, associated(user_id), s.nonce);
    s.created_at = clock_.now();
    return s;
}

std::optional<std::string> TwoFactor::open(std::int64_t user_id, const SealedSecret& sealed) const {
    auto plain = aead_open(secret_key_, sealed.nonce, sealed.sealed, associated(user_id));
    if (!plain) log_line("the two-step login secret of " + account(user_id) + " cannot be opened (was SECRET_KEY changed?)");
    return plain;
}

std::string TwoFactor::recovery_digest(std::int64_t user_id, const std::string& normalised) const {
    return mac(recovery_key_, std::to_string(user_id) + ":" + normalised);
}

std::string TwoFactor::begin_setup(std::int64_t user_id, std::int64_t session_id) {
    std::string secret(kSecretBytes, '\0');
    randombytes_buf(secret.data(), secret.size());
    SealedSecret sealed = seal(user_id, secret);
    sealed.session_id = session_id;
    auto tx = store_.begin_write();
    store_.two_factor().set_setup(user_id, sealed);
    tx->commit();
    return secret;
}

std::optional<std::string> TwoFactor::setup_secret(std::int64_t user_id, std::int64_t session_id) {
    auto sealed = store_.two_factor().setup(user_id);
    if (!sealed || sealed->session_id != session_id || sealed->created_at <= clock_.now() - kSetupSeconds)
        return std::nullopt;
    return open(user_id, *sealed);
}

std::optional<std::int64_t> TwoFactor::matching_step(const std::string& secret, const std::string& typed) const {
    std::int64_t now = totp_step(clock_.now());
    std::optional<std::int64_t> found;
    for (std::int64_t step = now - 1; step <= now + 1; ++step)
        if (constant_time_equal(totp(secret, step), typed) && !found) found = step;
    return found;
}

std::optional<CodeCheck> TwoFactor::confirm_setup(const User& user, std::int64_t session_id, const std::string& code,
                                                  const std::string& client_ip, std::vector<std::string>& codes) {
    auto sealed = store_.two_factor().setup(user.id);
    if (!sealed || sealed->session_id != session_id || sealed->created_at <= clock_.now() - kSetupSeconds)
        return std::nullopt;
    auto secret = open(user.id, *sealed);
    if (!secret) return std::nullopt;
    CodeCheck c;
    std::string typed = normalise_code(code);
    if (typed.empty()) return c;  // Missing
    auto slot = throttle_.reserve(throttle_key(user.id), client_ip);
    if (slot.retry_after) {
        c.result = CodeResult::Throttled;
        c.retry_after = *slot.retry_after;
        return c;
    }
    auto step = typed.size() == kTotpDigits && all_digits(typed) ? matching_step(*secret, typed) : std::nullopt;
    if (!step) {
        c.result = CodeResult::Wrong;
        log_line("two-step login set-up of " + account(user.id) + ": wrong code");
        return c;
    }
    throttle_.take_back(slot.id);
    store_.two_factor().enable(user.id, *sealed, *step, clock_.now());
    codes = new_recovery_codes(user.id);
    notices_.queue(Notice::TwoFactorOn, {user.email, user.name, client_ip, ""});
    log_line(account(user.id) + " turned two-step login on");
    c.result = CodeResult::Ok;
    return c;
}

CodeCheck TwoFactor::check(const User& user, const std::string& code, const std::string& client_ip) {
    CodeCheck c;
    std::string typed = normalise_code(code);
    if (typed.empty()) return c;  // Missing: nothing recorded
    auto slot = throttle_.reserve(throttle_key(user.id), client_ip);
    if (slot.retry_after) {
        c.result = CodeResult::Throttled;
        c.retry_after = *slot.retry_after;
        log_line("code throttled for " + account(user.id) + " from " + client_ip);
        return c;
    }
    c.result = CodeResult::Wrong;
    TwoFactorStore& tf = store_.two_factor();
    auto state = tf.active(user.id);
    if (!state) return c;
    if (typed.size() == kTotpDigits && all_digits(typed)) {
        auto secret = open(user.id, state->secret);
        auto step = secret ? matching_step(*secret, typed) : std::nullopt;
        if (step && tf.use_step(user.id, *step)) {
            throttle_.take_back(slot.id);
            c.result = CodeResult::Ok;
            return c;
        }
        log_line("wrong code for " + account(user.id) + (step ? ": already used" : ""));
        return c;
    }
    if (typed.size() == kRecoveryChars && tf.use_recovery_code(user.id, recovery_digest(user.id, typed), clock_.now())) {
        throttle_.take_back(slot.id);
        NoticeDetails d{user.email, user.name, client_ip, ""};
        d.codes_left = tf.recovery_codes_left(user.id);
        notices_.queue(Notice::RecoveryCodeUsed, d);
        log_line(account(user.id) + " used a recovery code; " + std::to_string(d.codes_left) + " left");
        c.result = CodeResult::Ok;
        c.recovery_code = true;
        return c;
    }
    log_line("wrong code for " + account(user.id));
    return c;
}

std::vector<std::string> TwoFactor::new_recovery_codes(std::int64_t user_id) {
    std::vector<std::string> codes, digests;
    for (int i = 0; i < kRecoveryCodes; ++i) {
        codes.push_back(new_recovery_code());
        digests.push_back(recovery_digest(user_id, normalise_code(codes.back())));
    }
    store_.two_factor().replace_recovery_codes(user_id, digests);
    return codes;
}

void TwoFactor::turn_off(std::int64_t user_id) { store_.two_factor().disable(user_id); }

std::string TwoFactor::start_pending_login(const User& user, std::string_view browser_secret) {
    return store_.two_factor().create_pending_login(user.id, token_digest(browser_secret), user.session_epoch,
                                                    clock_.now() + kPendingLoginSeconds);
}

std::optional<PendingLogin> TwoFactor::pending_login(std::string_view token, std::string_view browser_secret) {
    auto p = store_.two_factor().pending_login(token, clock_.now());
    if (!p || browser_secret.empty() || !constant_time_equal(p->browser_digest, token_digest(browser_secret)))
        return std::nullopt;
    return p;
}

void TwoFactor::end_pending_login(std::int64_t id) {
    auto tx = store_.begin_write();
    store_.two_factor().end_pending_login(id);
    tx->commit();
}

void TwoFactor::purge_old() { store_.two_factor().purge(clock_.now(), clock_.now() - kSetupSeconds); }

}  // namespace auth
