// Changing the email address: POST /profile/email asks (new address and the
// current password), which mails a link to the new address and a notice to
// the old one; GET/POST /profile/email/confirm?token=… makes the change;
// POST /profile/email/cancel drops a change still waiting.
#include "core/clock.hh"
#include "core/log.hh"
#include "mail/mailer.hh"
#include "account/notices.hh"
#include "web/responses.hh"
#include "core/validate.hh"
#include "pages/fields.hh"
#include "pages/profile_page.hh"

namespace pages {

using namespace auth;

namespace {

constexpr std::int64_t kChangesPerHour = 3;

std::string duration_text(std::int64_t seconds) {
    if (seconds >= 3600 && seconds % 3600 == 0) {
        std::int64_t h = seconds / 3600;
        return std::to_string(h) + (h == 1 ? " hour" : " hours");
    }
    return minutes_text(seconds);
}

// The confirmation mail to the new address: text and HTML from templates.
std::string confirmation_mail(App& app, const User& user, const std::string& new_email, const std::string& link) {
    ctemplate::TemplateDictionary dict("email_change_mail");
    dict.SetValue("NAME", user.name);
    dict.SetValue("NEW_EMAIL", new_email);
    dict.SetValue("LINK", link);
    dict.SetValue("VALID_FOR", duration_text(app.email_changes.ttl()));
    dict.SetValue("SITE", app.config().base_url);
    MailMessage m;
    m.from = app.config().mail_from;
    m.to = new_email;
    m.subject = "Confirm your new email address";
    m.text = app.view.expand_text("email_change_mail.txt", dict);
    m.html = app.view.expand("email_change_mail.html.tpl", dict);
    return build_message(m, app.clock().now());
}

Response request_change(const Request& request, App& app, const Visitor& visitor) {
    const User& user = *visitor.user;
    std::string typed = trim(request.field("new_email"));
    Page page = profile_page(app);
    fill_profile(page, app, user, user.name);
    page.set("NEW_EMAIL", typed);

    auto email = normalize_email(typed);
    std::optional<std::string> address_error;
    if (!email)
        address_error = "Enter an email address like name@example.com.";
    else if (ascii_lower(*email) == ascii_lower(user.email))
        address_error = "That is already your email address.";

    PasswordConfirm current = confirm_password(app, request, user, "email change");
    if (!current.ok() || address_error) {
        if (address_error) page.field_error("new_email", *address_error);
        if (!current.ok()) page.field_error("email_current_password", current.error);
        Response r = render(app, visitor, page, current.ok() ? 422 : current.status);
        if (current.retry_after) r.set_header("Retry-After", std::to_string(current.retry_after));
        return r;
    }
    std::int64_t now = app.clock().now();
    if (app.email_changes.issued_since(user.id, now - 3600) >= kChangesPerHour) {
        log_line("email change refused for account " + std::to_string(user.id) + ": hourly limit reached");
        page.field_error("new_email", "You asked to change your address too often in the last hour. Try again later.");
        Response r = render(app, visitor, page, 429);
        r.set_header("Retry-After", "3600");
        return r;
    }
    // Whether another account has the address is not looked at here (that
    // would tell who has an account); confirming the link finds out.
    {
        Transaction tx(app.db);
        std::string token = app.email_changes.issue(user.id, *email);
        std::string mail = confirmation_mail(app, user, *email, app.config().url("/profile/email/confirm?token=" + token));
        app.outbox.enqueue(app.config().mail_from, *email, mail, now + app.email_changes.ttl());
        queue_notice(app, Notice::EmailChangeRequested, {user.email, user.name, request.remote_addr, *email});
        tx.commit();
    }
    log_line("account " + std::to_string(user.id) + " asked to change its email address; link queued");
    return redirect(app, visitor, "/profile", "email_change_sent");
}

Response cancel_change(App& app, const Visitor& visitor) {
    const User& user = *visitor.user;
    if (!app.email_changes.pending(user.id)) return redirect(app, visitor, "/profile");
    app.email_changes.void_all_for_user(user.id);
    log_line("account " + std::to_string(user.id) + " cancelled its email change");
    return redirect(app, visitor, "/profile", "email_change_cancelled");
}

// The page for a link that cannot be used, with its own message and status.
Response bad_link(App& app, const Visitor& visitor, TokenState state) {
    Page page("email_invalid.tpl", "Confirmation link not valid", app.config().base_path);
    switch (state) {
        case TokenState::Malformed:
            page.set("MESSAGE", "This confirmation link is incomplete or damaged. Copy the whole link from the email.");
            break;
        case TokenState::Unknown:
            page.set("MESSAGE", "This confirmation link is not valid.");
            break;
        case TokenState::Used:
            page.set("MESSAGE", "This confirmation link has already been used.");
            break;
        case TokenState::Superseded:
            page.set("MESSAGE", "This confirmation link no longer works: the change was cancelled, asked for again "
                                "with a newer link, or the password was changed since.");
            break;
        case TokenState::Expired:
            page.set("MESSAGE", "This confirmation link has expired. Ask for the change again on your profile page.");
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
    EmailChangeCheck check = app.email_changes.check(token);
    if (check.state != TokenState::Valid) return bad_link(app, visitor, check.state);
    auto user = app.users.find_by_id(check.user_id);
    if (!user) return bad_link(app, visitor, TokenState::Unknown);

    Page page("email_confirm.tpl", "Confirm your new email address", app.config().base_path);
    page.set("TOKEN", token);
    page.set("NEW_EMAIL", check.new_email);
    if (request.is_get()) return render(app, visitor, page);

    if (!csrf_ok(app, request, visitor)) return csrf_failed(app, request, visitor);
    EmailChangeOutcome outcome;
    {
        Transaction tx(app.db);
        outcome = app.email_changes.confirm(token);
        if (outcome.result == EmailChangeResult::Invalid) return bad_link(app, visitor, outcome.state);
        if (outcome.result == EmailChangeResult::Changed) {
            app.reset_tokens.void_all_for_user(user->id);  // links sent to the old address
            queue_notice(app, Notice::EmailChanged, {outcome.old_email, user->name, request.remote_addr, outcome.new_email});
        }
        tx.commit();
    }
    if (outcome.result == EmailChangeResult::Taken) {
        log_line("email change of account " + std::to_string(user->id) + " failed: the address has an account");
        Page taken("email_invalid.tpl", "Address already in use", app.config().base_path);
        taken.set("MESSAGE", "Another account uses " + outcome.new_email +
                                 " now, so the address was not changed. Choose another address on your profile page.");
        return render(app, visitor, taken, 409);
    }
    log_line("account " + std::to_string(user->id) + " changed its email address from " + request.remote_addr);
    bool own = visitor.user && visitor.user->id == user->id;
    return redirect(app, visitor, own ? "/profile" : "/login", "email_changed");
}

}  // namespace

Response profile_email(const Request& request, App& app) {
    const std::string& path = request.path;
    if (path == "/profile/email/confirm") {
        Response r = confirm(request, app);
        r.set_header("Referrer-Policy", "no-referrer");  // the page carries the token
        return r;
    }
    bool cancel = path == "/profile/email/cancel";
    if (path != "/profile/email" && !cancel) return error_page(app, 404, "There is no such page.");
    Visitor visitor = identify(request, app);
    if (!request.is_get() && !request.is_post()) return method_not_allowed(app, "POST");
    if (!visitor.logged_in()) return login_required(app, request, visitor);
    if (request.is_get()) return redirect(app, visitor, "/profile");
    if (!csrf_ok(app, request, visitor)) return csrf_failed(app, request, visitor);
    return cancel ? cancel_change(app, visitor) : request_change(request, app, visitor);
}

}  // namespace pages
