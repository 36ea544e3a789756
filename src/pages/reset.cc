#include "core/log.hh"
#include "mail/mailer.hh"
#include "account/notices.hh"
#include "web/responses.hh"
#include "core/validate.hh"
#include "pages/fields.hh"
#include "pages/pages.hh"

namespace pages {

using namespace auth;

namespace {

constexpr std::int64_t kPerAccountPerHour = 3;
constexpr std::int64_t kPerAddressPerHour = 10;

// The reset mail: text and HTML from templates, as an RFC 5322 message.
std::string reset_mail(App& app, const User& user, const std::string& link) {
    ctemplate::TemplateDictionary dict("reset_mail");
    dict.SetValue("NAME", user.name);
    dict.SetValue("LINK", link);
    dict.SetValue("VALID_FOR", minutes_text(app.reset_tokens.ttl()));
    dict.SetValue("SITE", app.config().base_url);
    MailMessage m;
    m.from = app.config().mail_from;
    m.to = user.email;
    m.subject = "Reset your password";
    m.text = app.view.expand_text("reset_mail.txt", dict);
    m.html = app.view.expand("reset_mail.html.tpl", dict);
    return build_message(m, app.clock().now());
}

// Records the request (both for known and unknown addresses, so both cost
// the same) and, for an account under its hourly limit, issues a token and
// queues the mail, all in one transaction.
void handle_request(App& app, const std::string& email, const std::string& client_ip) {
    std::int64_t now = app.clock().now();
    auto user = app.users.find_by_email(email);
    Transaction tx(app.db);
    app.db.query("INSERT INTO reset_requests (email, client_ip, at) VALUES (?, ?, ?)")
        .bind(1, ascii_lower(email)).bind(2, client_ip.substr(0, 64)).bind(3, now).exec();
    if (user && app.reset_tokens.issued_since(user->id, now - 3600) < kPerAccountPerHour) {
        std::string token = app.reset_tokens.issue(user->id);
        std::string message = reset_mail(app, *user, app.config().url("/reset/confirm?token=" + token));
        app.outbox.enqueue(app.config().mail_from, user->email, message, now + app.reset_tokens.ttl());
        log_line("reset link queued for account " + std::to_string(user->id));
    } else if (user) {
        log_line("reset link not sent to account " + std::to_string(user->id) + ": hourly limit reached");
    }
    tx.commit();
}

std::int64_t requests_from(App& app, const std::string& client_ip) {
    auto q = app.db.query("SELECT count(*) FROM reset_requests WHERE client_ip = ? AND at > ?");
    q.bind(1, client_ip).bind(2, app.clock().now() - 3600);
    q.step();
    return q.int64(0);
}

Response ask(const Request& request, App& app) {
    Visitor visitor = identify(request, app);
    if (request.is_get()) {
        Page page("reset_request.tpl", "Reset your password", app.config().base_path);
        return render(app, visitor, page);
    }
    if (!request.is_post()) return method_not_allowed(app, "GET, HEAD, POST");
    if (!csrf_ok(app, request, visitor)) return csrf_failed(app, request, visitor);

    std::string typed = trim(request.field("email"));
    auto email = normalize_email(typed);
    if (!email) {
        Page page("reset_request.tpl", "Reset your password", app.config().base_path);
        page.set("EMAIL", typed);
        page.field_error("email", "Enter an email address like name@example.com.");
        return render(app, visitor, page, 422);
    }
    if (requests_from(app, request.remote_addr) >= kPerAddressPerHour) {
        log_line("reset requests throttled from " + request.remote_addr);
        Page page("reset_request.tpl", "Reset your password", app.config().base_path);
        page.set("EMAIL", typed);
        page.field_error("email", "Too many reset requests from your network. Please try again in an hour.");
        Response r = render(app, visitor, page, 429);
        r.set_header("Retry-After", "3600");
        return r;
    }
    handle_request(app, *email, request.remote_addr);
    Page page("reset_sent.tpl", "Check your email", app.config().base_path);
    page.set("EMAIL", *email);
    page.set("VALID_FOR", minutes_text(app.reset_tokens.ttl()));
    Response r = render(app, visitor, page);
    r.deliver_mail = true;  // known or not: the same work after the answer
    return r;
}

// The page for a link that cannot be used, with its own message and status.
Response bad_link(App& app, const Visitor& visitor, TokenState state) {
    Page page("reset_invalid.tpl", "Reset link not valid", app.config().base_path);
    switch (state) {
        case TokenState::Malformed:
            page.set("MESSAGE", "This reset link is incomplete or damaged. Copy the whole link from the email, or ask for a new one.");
            break;
        case TokenState::Unknown:
            page.set("MESSAGE", "This reset link is not valid. Ask for a new one.");
            break;
        case TokenState::Used:
            page.set("MESSAGE", "This reset link has already been used. Each link works once; ask for a new one if you need it.");
            break;
        case TokenState::Superseded:
            page.set("MESSAGE", "A newer reset link was sent after this one, so this one no longer works. Use the newest email, or ask for a new link.");
            break;
        case TokenState::Expired:
            page.set("MESSAGE", "This reset link has expired. Ask for a new one.");
            break;
        case TokenState::Valid:
            break;
    }
    return render(app, visitor, page, bad_link_status(state));
}

Response confirm(const Request& request, App& app) {
    Visitor visitor = identify(request, app);
    if (!request.is_get() && !request.is_post()) return method_not_allowed(app, "GET, HEAD, POST");
    std::string token = request.is_post() ? request.field("token") : request.param("token");
    TokenCheck check = app.reset_tokens.check(token);
    if (check.state != TokenState::Valid) return bad_link(app, visitor, check.state);
    auto user = app.users.find_by_id(check.user_id);
    if (!user) return bad_link(app, visitor, TokenState::Unknown);

    Page page("reset_confirm.tpl", "Choose a new password", app.config().base_path);
    page.set("TOKEN", token);
    page.set("EMAIL", user->email);
    page.set("MIN_LENGTH", std::to_string(app.policy.min_length()));
    if (request.is_get()) return render(app, visitor, page);

    if (!csrf_ok(app, request, visitor)) return csrf_failed(app, request, visitor);
    std::string password = request.field("password");
    if (auto problem = app.policy.problem(password, user->email, user->name)) {
        page.field_error("password", *problem);
        return render(app, visitor, page, 422);
    }
    if (password != request.field("password_confirm")) {
        page.field_error("password_confirm", "The two passwords do not match.");
        return render(app, visitor, page, 422);
    }
    std::string hash = app.hasher.hash(password);
    {
        Transaction tx(app.db);
        auto consumed = app.reset_tokens.consume(token);
        if (!consumed || *consumed != user->id) {
            TokenState now = app.reset_tokens.check(token).state;  // used or expired meanwhile
            return bad_link(app, visitor, now == TokenState::Valid ? TokenState::Used : now);
        }
        app.users.update_password_hash(user->id, hash, app.clock().now());
        app.sessions.destroy_all_for_user(user->id);
        app.reset_tokens.void_all_for_user(user->id);
        app.email_changes.void_all_for_user(user->id);  // an address change asked for with the old password
        app.throttle.clear(user->email);
        queue_notice(app, Notice::PasswordReset, {user->email, user->name, request.remote_addr, ""});
        tx.commit();
    }
    log_line("account " + std::to_string(user->id) + " reset its password; every session ended");
    // No session is created: the person logs in with the new password.
    Visitor after = visitor;
    if (after.session) after.stale_session_cookie = true;
    Response r = redirect(app, after, "/login", "password_reset");
    return r;
}

}  // namespace

Response reset(const Request& request, App& app) {
    Response r;
    if (request.path == "/reset")
        r = ask(request, app);
    else if (request.path == "/reset/confirm")
        r = confirm(request, app);
    else
        return error_page(app, 404, "There is no such page.");
    // These pages carry tokens: never leak them through Referer.
    r.set_header("Referrer-Policy", "no-referrer");
    return r;
}

}  // namespace pages
