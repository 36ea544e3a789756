// The account service's administration functions (accounts.hh): what /admin
// and sessionauth-admin do to an account, each in one write transaction and
// recorded as one event that names the administrator (`actor`). The rules
// they change live where they are applied: a locked account is refused at
// login (Accounts::log_in) and its sessions by the session lookup.
#include "account/accounts.hh"
#include "core/clock.hh"
#include "mail/outbox.hh"

namespace auth {

const char* admin_result_text(AdminResult result) {
    switch (result) {
        case AdminResult::Done: return "done";
        case AdminResult::NotFound: return "no such account";
        case AdminResult::Unchanged: return "nothing to change";
        case AdminResult::TooManyMails: return "the address has had its share of mail this hour (MAIL_MAX_PER_HOUR)";
    }
    return "";
}

std::vector<User> Accounts::find_accounts(std::string_view text, std::int64_t limit) {
    return store_.users().search(text, limit);
}

std::optional<AccountSummary> Accounts::account_summary(std::int64_t user_id) {
    auto user = store_.users().find_by_id(user_id);
    if (!user) return std::nullopt;
    AccountSummary summary;
    summary.user = std::move(*user);
    summary.two_factor = two_factor_.on(user_id);
    // The passkeys hook: once the store keeps passkeys, their count goes
    // here (nullopt tells the pages this build has none to count).
    summary.passkeys = std::nullopt;
    summary.sessions = store_.sessions().list_for_user(user_id);
    EventFilter logins;
    logins.name = events::kLogin;
    logins.outcome = outcome_name(Outcome::Ok);
    logins.user_id = user_id;
    logins.limit = 1;
    auto last = store_.events().query(logins);
    if (!last.empty()) summary.last_login = last.front().at;
    return summary;
}

AdminResult Accounts::lock_account(std::int64_t user_id, const Client& client, std::string_view actor) {
    auto tx = store_.begin_write();
    auto user = store_.users().find_by_id(user_id);
    if (!user) return AdminResult::NotFound;
    if (user->locked()) return AdminResult::Unchanged;
    store_.users().set_locked(user_id, clock_.now());
    // A raised epoch also voids a login whose password is being checked
    // now and every pending login (the code step): none makes a session.
    store_.users().bump_session_epoch(user_id);
    store_.sessions().destroy_all_for_user(user_id);
    tx->commit();
    events_.record(client, events::kAccountLocked, Outcome::Ok, user_id, "its sessions ended", actor);
    return AdminResult::Done;
}

AdminResult Accounts::unlock_account(std::int64_t user_id, const Client& client, std::string_view actor) {
    auto tx = store_.begin_write();
    auto user = store_.users().find_by_id(user_id);
    if (!user) return AdminResult::NotFound;
    if (!user->locked()) return AdminResult::Unchanged;
    store_.users().set_locked(user_id, std::nullopt);
    tx->commit();
    events_.record(client, events::kAccountUnlocked, Outcome::Ok, user_id, "", actor);
    return AdminResult::Done;
}

AdminResult Accounts::end_sessions(std::int64_t user_id, const Client& client, std::string_view actor) {
    auto tx = store_.begin_write();
    if (!store_.users().find_by_id(user_id)) return AdminResult::NotFound;
    store_.users().bump_session_epoch(user_id);
    store_.sessions().destroy_all_for_user(user_id);
    tx->commit();
    events_.record(client, events::kSessionEnded, Outcome::Ok, user_id, "all, by the administrator", actor);
    return AdminResult::Done;
}

AdminResult Accounts::send_reset_link(std::int64_t user_id, const Client& client, std::string_view actor) {
    auto tx = store_.begin_write();
    auto user = store_.users().find_by_id(user_id);
    if (!user) return AdminResult::NotFound;
    if (!outbox_.within_share(user->email, MailKind::Link)) {
        tx.reset();
        events_.record(client, events::kResetRequested, Outcome::Refused, user_id, "MAIL_MAX_PER_HOUR", actor);
        return AdminResult::TooManyMails;
    }
    queue_reset_link(*user, clock_.now());
    tx->commit();
    events_.record(client, events::kResetRequested, Outcome::Ok, user_id, "link queued by the administrator", actor);
    return AdminResult::Done;
}

AdminResult Accounts::turn_off_two_factor_of(std::int64_t user_id, const Client& client, std::string_view actor) {
    auto user = store_.users().find_by_id(user_id);
    if (!user) return AdminResult::NotFound;
    return admin_turn_off_two_factor(user->email, client, actor) ? AdminResult::Done : AdminResult::Unchanged;
}

std::vector<OutboxEntry> Accounts::mail_queue(std::int64_t limit) { return store_.outbox().list(limit); }

std::int64_t Accounts::retry_failed_mail(const Client& client, std::string_view actor) {
    auto tx = store_.begin_write();
    std::int64_t n = store_.outbox().retry_failed(clock_.now());
    tx->commit();
    events_.record(client, events::kMailRetried, Outcome::Ok, std::nullopt, std::to_string(n) + " due again", actor);
    return n;
}

}  // namespace auth
