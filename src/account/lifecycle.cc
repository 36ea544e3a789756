// The account service's part about an account's end and the data it holds
// (declared in accounts.hh): deleting it, by its owner or an
// administrator, and the download of what the site keeps about it.
#include "account/accounts.hh"
#include "account/pictures.hh"
#include "core/clock.hh"
#include "core/validate.hh"

namespace auth {

DeleteOutcome Accounts::delete_account(const User& user, const Proof& proof, const std::string& typed_email,
                                       const Client& client) {
    DeleteOutcome out;
    bool same_address = ascii_lower(trim(typed_email)) == ascii_lower(user.email);
    // As for an email change: the password is checked (and counted)
    // whatever was typed, so both errors show at once, but a code is spent
    // when it is checked, so not for a form that cannot succeed.
    if (!same_address && two_factor_.on(user.id)) {
        out.result = DeleteResult::AddressMismatch;
        return out;
    }
    out.reauth = reauthenticate(user, proof, client, "account deletion");
    if (!out.reauth.ok()) return out;
    if (!same_address) {
        out.result = DeleteResult::AddressMismatch;
        return out;
    }
    auto tx = store_.begin_write();
    if (!still_current(user)) {
        // A new password (or the sessions ended) while it was checked.
        out.reauth.result = Reauth::Wrong;
        return out;
    }
    std::string picture = erase_account(user);
    tx->commit();
    account_erased(user, picture, client, {});
    out.result = DeleteResult::Deleted;
    return out;
}

bool Accounts::admin_delete_account(std::int64_t user_id, const Client& client, std::string_view actor) {
    auto tx = store_.begin_write();
    auto user = store_.users().find_by_id(user_id);
    if (!user) return false;
    std::string picture = erase_account(*user);
    tx->commit();
    account_erased(*user, picture, client, actor);
    return true;
}

std::string Accounts::erase_account(const User& user) {
    // Its address's mail first: what waits for it (links, notices) and the
    // counts of its hourly share, so the last notice below is neither held
    // up behind old mail nor refused for a share used up.
    std::int64_t now = clock_.now();
    store_.outbox().forget_recipient(user.email, now);
    if (auto pending = store_.email_changes().pending(user.id)) store_.outbox().forget_recipient(pending->payload, now);
    store_.throttle().clear(user.email);
    store_.reset_requests().forget(user.email);
    store_.signups().forget(user.email);
    store_.events().forget_user(user.id);
    std::string picture = user.picture;
    if (auto current = store_.users().find_by_id(user.id)) picture = current->picture;
    // Sessions, reset and email-change links, two-step login (its secret,
    // recovery codes, pending logins) and passkeys go with the row (ON
    // DELETE CASCADE).
    store_.users().remove(user.id);
    notices_.queue(Notice::AccountDeleted, {user.email, user.name, "", ""});
    // The notice is counted like any mail; that count names the address, and
    // nothing of the account may stay.
    store_.outbox().forget_counts(user.email);
    return picture;
}

void Accounts::account_erased(const User& user, const std::string& picture, const Client& client,
                              std::string_view actor) {
    if (!picture.empty()) pictures_.remove_file(picture);
    // Kept without personal data: the account id, the time, the request,
    // and who acted when it was an administrator. No address, no browser.
    Event e;
    e.request_id = client.request_id;
    e.name = events::kAccountDeleted;
    e.outcome = outcome_name(Outcome::Ok);
    e.user_id = user.id;
    e.actor = actor;
    events_.record(std::move(e));
}

AccountData Accounts::account_data(const User& user) {
    AccountData d;
    d.user = store_.users().find_by_id(user.id).value_or(user);
    d.user.password_hash.clear();
    d.sessions = store_.sessions().list_for_user(user.id);
    d.two_factor_on = two_factor_.on(user.id);
    if (d.two_factor_on) d.recovery_codes_left = two_factor_.recovery_codes_left(user.id);
    if (auto pending = store_.email_changes().pending(user.id)) d.pending_email = pending->payload;
    // Passkeys: their names go here once the site has them (another change).
    d.events = events_.for_user(user.id, 1000);
    return d;
}

}  // namespace auth
