// The admin area, a program of its own (auth-admin): find accounts, see one,
// lock and unlock it, end its sessions, mail it a reset link, turn off its
// two-step login, delete it, read the security event log and the mail queue.
//
// Who may enter is decided by the web server, never here: its own
// authentication (Apache AuthType Basic, lighttpd mod_auth) sets
// REMOTE_USER, and only a name listed in ADMIN_USERS gets past dispatch
// (Access::Admin); everyone else gets the 404 page. Every form carries the
// CSRF token, every action is an event naming the administrator (the
// `actor`), and every answer is no-store and noindex (dispatch, and the
// robots meta tag here).
#include <cstdint>
#include <string>

#include "core/clock.hh"
#include "core/user_agent.hh"
#include "core/validate.hh"
#include "pages/pages.hh"
#include "web/responses.hh"

namespace pages {

using namespace auth;

namespace {

constexpr std::int64_t kMaxRows = 200;

// The admin area's pages, in the site's layout, never indexed.
Response show(App& app, const Visitor& visitor, Page& page, const Request& request, int status = 200) {
    page.noindex();
    page.set("ADMIN", request.remote_user);
    return render(app, visitor, page, status);
}

Response not_found(App& app) { return error_page(app, 404, "There is no such account."); }

// A positive number from a field or parameter; 0 when it is not one.
std::int64_t number(const std::string& text) {
    if (text.empty() || text.size() > 18) return 0;
    std::int64_t n = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return 0;
        n = n * 10 + (c - '0');
    }
    return n;
}

std::string account_path(std::int64_t id) { return "/admin/user?id=" + std::to_string(id); }

// GET /admin?q=...: the search form, and the accounts whose address or name
// holds what was typed.
Response find_accounts(const Request& request, App& app, const Visitor& visitor) {
    Page page("admin.tpl", "Admin: accounts", app.config().base_path);
    std::string q = trim(request.param("q"));
    page.set("Q", q);
    if (!q.empty()) {
        auto users = app.accounts.find_accounts(q);
        for (const User& u : users) {
            Section row = page.add_section("ACCOUNT");
            row.set("ID", std::to_string(u.id));
            row.set("EMAIL", u.email);
            row.set("NAME", u.name);
            row.set("STATE", u.locked() ? "locked" : u.confirmed_at ? "confirmed" : "not confirmed");
        }
        page.show(users.empty() ? "NONE_FOUND" : "FOUND");
    }
    return show(app, visitor, page, request);
}

// One account, with a form for each action (`delete_error`: the deletion's
// field, when the address was not typed right: a 422).
Response show_account(const Request& request, App& app, const Visitor& visitor, std::int64_t id,
                      const std::string& delete_error = "") {
    auto summary = app.accounts.account_summary(id);
    if (!summary) return not_found(app);
    const User& u = summary->user;
    Page page("admin_user.tpl", "Admin: " + u.email, app.config().base_path);
    page.set("ID", std::to_string(u.id));
    page.set("EMAIL", u.email);
    page.set("NAME", u.name);
    page.set("CREATED", utc_text(u.created_at));
    page.set("CONFIRMED", u.confirmed_at ? utc_text(u.confirmed_at) : "not confirmed");
    page.set("LAST_LOGIN", summary->last_login ? utc_text(*summary->last_login) : "none kept");
    page.set("TWO_FACTOR", summary->two_factor ? "on" : "off");
    if (summary->two_factor) page.show("TWO_FACTOR_ON");
    if (summary->passkeys) page.set_in("HAS_PASSKEYS", "PASSKEYS", std::to_string(*summary->passkeys));
    if (u.locked())
        page.set_in("LOCKED", "LOCKED_AT", utc_text(u.locked_at));
    else
        page.show("UNLOCKED");
    page.set("SESSION_COUNT", std::to_string(summary->sessions.size()));
    for (const SessionInfo& s : summary->sessions) {
        Section row = page.add_section("SESSION");
        row.set("BROWSER", describe_user_agent(s.user_agent));
        row.set("ADDRESS", s.client_ip.empty() ? "unknown" : s.client_ip);
        row.set("STARTED", utc_text(s.created_at));
        row.set("LAST_SEEN", utc_text(s.last_seen));
    }
    page.show(summary->sessions.empty() ? "NO_SESSIONS" : "HAS_SESSIONS");
    if (delete_error.empty()) return show(app, visitor, page, request);
    page.field_error("confirm_email", delete_error);
    return show(app, visitor, page, request, 422);
}

// GET /admin/user?id=N.
Response account_page(const Request& request, App& app, const Visitor& visitor) {
    return show_account(request, app, visitor, number(request.param("id")));
}

// POST /admin/user/<action> (field `id`): the action, then the account's
// page again with what happened.
using Action = AdminResult (Accounts::*)(std::int64_t, const Client&, std::string_view);

Response act(const Request& request, App& app, Action action, const char* done_flash) {
    std::int64_t id = number(request.field("id"));
    AdminResult result = (app.accounts.*action)(id, client_of(request), request.remote_user);
    switch (result) {
        case AdminResult::NotFound: return not_found(app);
        case AdminResult::Unchanged: return redirect(app, account_path(id), "admin_unchanged");
        case AdminResult::TooManyMails: return redirect(app, account_path(id), "admin_too_many_mails");
        case AdminResult::Done: break;
    }
    return redirect(app, account_path(id), done_flash);
}

Response lock_account(const Request& r, App& app, const Visitor&) { return act(r, app, &Accounts::lock_account, "admin_locked"); }
Response unlock_account(const Request& r, App& app, const Visitor&) {
    return act(r, app, &Accounts::unlock_account, "admin_unlocked");
}
Response end_sessions(const Request& r, App& app, const Visitor&) {
    return act(r, app, &Accounts::end_sessions, "admin_sessions_ended");
}
Response send_reset(const Request& r, App& app, const Visitor&) {
    return act(r, app, &Accounts::send_reset_link, "admin_reset_sent");
}
Response turn_off_two_factor(const Request& r, App& app, const Visitor&) {
    return act(r, app, &Accounts::turn_off_two_factor_of, "admin_two_factor_off");
}

// POST /admin/user/delete (fields `id` and `confirm_email`): the account's
// address typed again, since nothing brings the account back.
Response delete_account(const Request& request, App& app, const Visitor& visitor) {
    std::int64_t id = number(request.field("id"));
    auto summary = app.accounts.account_summary(id);
    if (!summary) return not_found(app);
    auto typed = normalize_email(trim(request.field("confirm_email")));
    if (!typed || ascii_lower(*typed) != ascii_lower(summary->user.email))
        return show_account(request, app, visitor, id, "Type the account's address to delete it.");
    if (app.accounts.delete_account_of(id, client_of(request), request.remote_user) != AdminResult::Done)
        return not_found(app);
    Response r = redirect(app, "/admin", "admin_deleted");
    r.deliver_mail = true;  // the last notice to the address
    return r;
}

// GET /admin/events?user=&name=&outcome=&days=: the security event log,
// newest first, filtered.
Response show_events(const Request& request, App& app, const Visitor& visitor) {
    Page page("admin_events.tpl", "Admin: security events", app.config().base_path);
    EventFilter filter;
    filter.limit = kMaxRows;
    if (std::int64_t user = number(request.param("user"))) {
        filter.user_id = user;
        page.set("USER", std::to_string(user));
    }
    filter.name = trim(request.param("name")).substr(0, 64);
    page.set("NAME", filter.name);
    std::string outcome = request.param("outcome");
    for (Outcome o : {Outcome::Ok, Outcome::Failed, Outcome::Refused, Outcome::Throttled}) {
        Section option = page.add_section("OUTCOME");
        option.set("VALUE", outcome_name(o));
        if (outcome == outcome_name(o)) {
            filter.outcome = outcome;
            option.show("SELECTED");
        }
    }
    if (std::int64_t days = number(request.param("days")); days > 0 && days <= 3650) {
        filter.since = app.clock().now() - days * 86400;
        page.set("DAYS", std::to_string(days));
    }
    auto rows = app.accounts.events().query(filter);
    for (const Event& e : rows) {
        Section row = page.add_section("EVENT");
        row.set("AT", utc_text(e.at));
        row.set("EVENT_NAME", e.name);
        row.set("EVENT_OUTCOME", e.outcome);
        if (e.user_id) {
            row.set("USER_ID", std::to_string(*e.user_id));
            row.show("HAS_USER");
        }
        row.set("IP", e.client_ip);
        row.set("BROWSER", e.browser);
        row.set("ACTOR", e.actor);
        row.set("DETAIL", e.detail);
        row.set("REQUEST", e.request_id);
    }
    page.show(rows.empty() ? "NO_EVENTS" : "HAS_EVENTS");
    return show(app, visitor, page, request);
}

// GET /admin/mail: what waits in the outbox, and whether it failed.
Response show_mail(const Request& request, App& app, const Visitor& visitor) {
    Page page("admin_mail.tpl", "Admin: mail queue", app.config().base_path);
    auto queue = app.accounts.mail_queue(kMaxRows);
    std::int64_t failed = 0;
    for (const OutboxEntry& m : queue) {
        Section row = page.add_section("MAIL");
        row.set("TO", m.recipient);
        row.set("QUEUED", utc_text(m.created_at));
        row.set("ATTEMPTS", std::to_string(m.attempts));
        row.set("NEXT", utc_text(m.next_attempt_at));
        row.set("STATE", m.failed() ? "failed: " + m.last_error : "waiting");
        failed += m.failed();
    }
    page.set("WAITING", std::to_string(queue.size() - failed));
    page.set("FAILED", std::to_string(failed));
    page.show(queue.empty() ? "EMPTY" : "HAS_MAIL");
    if (failed) page.show("HAS_FAILED");
    return show(app, visitor, page, request);
}

// POST /admin/mail/retry: every failed message is due again.
Response retry_mail(const Request& request, App& app, const Visitor&) {
    app.accounts.retry_failed_mail(client_of(request), request.remote_user);
    Response r = redirect(app, "/admin/mail", "admin_mail_retried");
    r.deliver_mail = true;  // the delivery run starts after this answer
    return r;
}

}  // namespace

const Program kAdmin{{
    {.path = "/admin", .methods = kGet, .access = Access::Admin, .handler = find_accounts},
    {.path = "/admin/user", .methods = kGet, .access = Access::Admin, .handler = account_page},
    {.path = "/admin/user/lock", .methods = kPost, .access = Access::Admin, .handler = lock_account},
    {.path = "/admin/user/unlock", .methods = kPost, .access = Access::Admin, .handler = unlock_account},
    {.path = "/admin/user/logout", .methods = kPost, .access = Access::Admin, .handler = end_sessions},
    {.path = "/admin/user/reset", .methods = kPost, .access = Access::Admin, .handler = send_reset},
    {.path = "/admin/user/two-factor-off", .methods = kPost, .access = Access::Admin, .handler = turn_off_two_factor},
    {.path = "/admin/user/delete", .methods = kPost, .access = Access::Admin, .handler = delete_account},
    {.path = "/admin/events", .methods = kGet, .access = Access::Admin, .handler = show_events},
    {.path = "/admin/mail", .methods = kGet, .access = Access::Admin, .handler = show_mail},
    {.path = "/admin/mail/retry", .methods = kPost, .access = Access::Admin, .handler = retry_mail},
}};

}  // namespace pages
