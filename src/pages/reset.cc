#include "core/validate.hh"
#include "pages/fields.hh"
#include "pages/pages.hh"
#include "web/responses.hh"

namespace pages {

using namespace auth;

namespace {

Page request_form(App& app) { return Page("reset_request.tpl", "Reset your password", app.config().base_path); }

Response show_request(const Request&, App& app, const Visitor& visitor) {
    Page page = request_form(app);
    return render(app, visitor, page);
}

Response ask(const Request& request, App& app, const Visitor& visitor) {
    std::string typed = trim(request.field("email"));
    auto email = normalize_email(typed);
    if (!email) {
        Page page = request_form(app);
        page.set("EMAIL", typed);
        page.field_error("email", "Enter an email address like name@example.com.");
        return render(app, visitor, page, 422);
    }
    ResetRequestResult asked = app.accounts.request_reset(*email, client_of(request));
    if (asked != ResetRequestResult::Accepted) {
        Page page = request_form(app);
        page.set("EMAIL", typed);
        page.field_error("email", asked == ResetRequestResult::TooManyFromAddress
                                      ? "Too many reset requests from your network. Please try again in an hour."
                                      : "Too many mails have gone to this address in the last hour. Please try again "
                                        "in an hour.");
        Response r = render(app, visitor, page, 429);
        r.set_header("Retry-After", "3600");
        return r;
    }
    Page page("reset_sent.tpl", "Check your email", app.config().base_path);
    page.set("EMAIL", *email);
    page.set("VALID_FOR", minutes_text(app.config().reset_token_ttl));
    Response r = render(app, visitor, page);
    r.deliver_mail = true;  // known or not: the same work after the answer
    return r;
}

// The page for a link that cannot be used, with its own message and status.
Response bad_link(App& app, const Visitor& visitor, TokenState state) {
    static const LinkMessages why = {
        "This reset link is incomplete or damaged. Copy the whole link from the email, or ask for a new one.",
        "This reset link is not valid. Ask for a new one.",
        "This reset link has already been used. Each link works once; ask for a new one if you need it.",
        "A newer reset link was sent after this one, so this one no longer works. Use the newest email, or ask for a new link.",
        "This reset link has expired. Ask for a new one.",
    };
    return bad_link_page(app, visitor, "reset_invalid.tpl", "Reset link not valid", why, state);
}

Response too_many_links(App& app, const Visitor& visitor, std::int64_t retry_after) {
    return too_many_links_page(app, visitor, "reset_invalid.tpl", "Reset link not valid", retry_after);
}

Page new_password_form(App& app) { return Page("reset_confirm.tpl", "Choose a new password", app.config().base_path); }

void fill_new_password_form(Page& page, App& app, const std::string& token, const User& user) {
    page.set("TOKEN", token);
    page.set("EMAIL", user.email);
    page.set("MIN_LENGTH", std::to_string(app.policy.min_length()));
}

std::string token_of(const Request& request) { return request.is_post() ? request.field("token") : request.param("token"); }

Response show_confirm(const Request& request, App& app, const Visitor& visitor) {
    std::string token = token_of(request);
    LinkCheck link = app.accounts.check_reset_link(token, client_of(request));
    if (link.retry_after) return too_many_links(app, visitor, link.retry_after);
    if (link.state != TokenState::Valid) return bad_link(app, visitor, link.state);
    Page page = new_password_form(app);
    fill_new_password_form(page, app, token, *link.user);
    return render(app, visitor, page);
}

Response confirm(const Request& request, App& app, const Visitor& visitor) {
    std::string token = token_of(request);
    ResetOutcome reset = app.accounts.reset_password(token, request.field("password"), request.field("password_confirm"),
                                                     client_of(request));
    if (reset.result == ResetResult::Throttled) return too_many_links(app, visitor, reset.retry_after);
    if (reset.result == ResetResult::BadLink) return bad_link(app, visitor, reset.state);
    if (reset.result == ResetResult::Done) {
        // No session is created: the person logs in with the new password.
        Response r = redirect(app, "/login", "password_reset");
        if (visitor.logged_in()) r.clear_session_cookie();
        return r;
    }
    LinkCheck link = app.accounts.check_reset_link(token, client_of(request));
    if (link.retry_after) return too_many_links(app, visitor, link.retry_after);
    if (link.state != TokenState::Valid) return bad_link(app, visitor, link.state);
    Page page = new_password_form(app);
    fill_new_password_form(page, app, token, *link.user);
    if (reset.result == ResetResult::Rejected)
        page.field_error("password", reset.problem);
    else
        page.field_error("password_confirm", "The two passwords do not match.");
    return render(app, visitor, page, 422);
}

}  // namespace

// These pages carry tokens: never leak them through Referer.
const Program kReset{{
    {.path = "/reset", .methods = kGet, .handler = show_request, .referrer_policy = "no-referrer"},
    {.path = "/reset", .methods = kPost, .handler = ask, .referrer_policy = "no-referrer"},
    {.path = "/reset/confirm", .methods = kGet, .handler = show_confirm, .referrer_policy = "no-referrer"},
    {.path = "/reset/confirm", .methods = kPost, .handler = confirm, .referrer_policy = "no-referrer"},
}};

}  // namespace pages
