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
    summary.passkeys = static_cast<std::int64_t>(store_.passkeys().list_for_user(user_id).size());
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

AdminResult Accounts::admin_change(std::int64_t user_id, const Client& client, std::string_view actor,
                                  const char* event, std::string_view detail,
                                  const std::function<bool(const User&)>& change) {
    auto tx = store_.begin_write();
    auto user = store_.users().find_by_id(user_id);
    if (!user) return AdminResult::NotFound;
    if (!change(*user)) return AdminResult::Unchanged;
    tx->commit();
    events_.record(client, event, Outcome::Ok, user_id, detail, actor);
    return AdminResult::Done;
}

void Accounts::end_all_sessions(std::int64_t user_id) {
    // A raised epoch also voids a login whose password is being checked
    // now and every pending login (the code step): none makes a session.
    store_.users().bump_session_epoch(user_id);
    store_.sessions().destroy_all_for_user(user_id);
}

AdminResult Accounts::lock_account(std::int64_t user_id, const Client& client, std::string_view actor) {
    return admin_change(user_id, client, actor, events::kAccountLocked, "its sessions ended", [&](const User& user) {
        if (user.locked()) return false;
        store_.users().set_locked(user.id, clock_.now());
        end_all_sessions(user.id);
        // The owner hears of it (not from where: the administrator's address is not theirs to know).
        notices_.queue(Notice::AccountLocked, {user.email, user.name, "", ""});
        return true;
    });
}

AdminResult Accounts::unlock_account(std::int64_t user_id, const Client& client, std::string_view actor) {
    return admin_change(user_id, client, actor, events::kAccountUnlocked, "", [&](const User& user) {
        if (!user.locked()) return false;
        store_.users().set_locked(user.id, std::nullopt);
        notices_.queue(Notice::AccountUnlocked, {user.email, user.name, "", ""});
        return true;
    });
}

AdminResult Accounts::end_sessions(std::int64_t user_id, const Client& client, std::string_view actor) {
    return admin_change(user_id, client, actor, events::kSessionEnded, "all, by the administrator", [&](const User& user) {
        end_all_sessions(user.id);
        return true;
    });
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

AdminResult Accounts::delete_account_of(std::int64_t user_id, const Client& client, std::string_view actor) {
    return admin_delete_account(user_id, client, actor) ? AdminResult::Done : AdminResult::NotFound;
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
