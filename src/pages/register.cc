// Creating an account. With SIGNUP_CONFIRMATION (the default) a valid
// POST /register answers "check your inbox" for every address, with an
// account or not: the account service mails a link to a new address and a
// note to the owner of a taken one. GET /register/confirm?token=… shows a
// form, and only its POST, with the password chosen at sign-up, makes the
// account and logs it in (a mail scanner that opens the link confirms
// nothing, nor does a person who opens a link someone else asked for). POST /register/resend
// sends the link again. Without confirmation: the account at once, and a
// 409 for a taken address.
#include "core/validate.hh"
#include "pages/fields.hh"
#include "pages/pages.hh"
#include "web/responses.hh"

namespace pages {

using namespace auth;

namespace {

Page register_form(App& app) { return Page("register.tpl", "Create an account", app.config().base_path); }

Response show(const Request&, App& app, const Visitor& visitor) {
    Page page = register_form(app);
    page.set("MIN_LENGTH", std::to_string(app.policy.min_length()));
    return render(app, visitor, page);
}

// A limit reached: 429, and when to come back.
Response too_many(App& app, const Visitor& visitor, Page& page, std::int64_t retry_after) {
    Response r = render(app, visitor, page, 429);
    r.set_header("Retry-After", std::to_string(retry_after));
    return r;
}

Response too_many(App& app, const Visitor& visitor, Page& page, const std::string& message) {
    page.field_error("email", message);
    return too_many(app, visitor, page, 3600);
}

// "Check your inbox": the one answer to a registration (and to a request
// to send the link again), whatever the address.
Page sent_page(App& app) { return Page("register_sent.tpl", "Check your inbox", app.config().base_path); }

void fill_sent_page(Page& page, App& app, const std::string& email) {
    page.set("EMAIL", email);
    page.set("VALID_FOR", minutes_text(app.config().signup_token_ttl));
}

Response link_sent(App& app, const Visitor& visitor, const std::string& email) {
    Page page = sent_page(app);
    fill_sent_page(page, app, email);
    Response r = render(app, visitor, page);
    r.deliver_mail = true;
    return r;
}

Response create(const Request& request, App& app, const Visitor& visitor) {
    NameCheck name = check_name(request.field("name"));
    std::string email_typed = trim(request.field("email"));
    std::string password = request.field("password");
    std::string confirm = request.field("password_confirm");

    Page page = register_form(app);
    page.set("MIN_LENGTH", std::to_string(app.policy.min_length()));
    page.set("NAME", name.value);
    page.set("EMAIL", email_typed);
    bool errors = false;
    if (name.error) { page.field_error("name", *name.error); errors = true; }
    auto email = normalize_email(email_typed);
    if (!email) { page.field_error("email", "Enter an email address like name@example.com."); errors = true; }
    if (auto problem = app.accounts.password_problem(password, email.value_or(email_typed), name.value)) {
        page.field_error("password", *problem);
        errors = true;
    } else if (password != confirm) {
        page.field_error("password_confirm", "The two passwords do not match.");
        errors = true;
    }
    if (errors) return render(app, visitor, page, 422);

    RegisterOutcome registered = app.accounts.register_account(*email, name.value, password, client_of(request));
    switch (registered.result) {
        case RegisterResult::LinkSent:
            return link_sent(app, visitor, *email);
        case RegisterResult::TooManyFromAddress:
            return too_many(app, visitor, page, "Too many accounts were created from your network. Please try again in an hour.");
        case RegisterResult::TooManyMails:
            return too_many(app, visitor, page,
                            "Too many mails have gone to this address in the last hour. Please try again in an hour.");
        case RegisterResult::EmailTaken:  // only without confirmation
            page.field_error("email", "An account with this email address already exists. Log in, or reset its password.");
            page.show("EMAIL_TAKEN");
            return render(app, visitor, page, 409);
        case RegisterResult::Created:
            break;
    }
    return redirect(app, "/login", "account_created");
}

// The page for a link that cannot be used, with its own message and status.
Response bad_link(App& app, const Visitor& visitor, TokenState state) {
    static const LinkMessages why = {
        "This sign-up link is incomplete or damaged. Copy the whole link from the email.",
        "This sign-up link is not valid. Create your account again to get a new one.",
        "This sign-up link has already been used. If your account was made with it, log in.",
        "A newer sign-up link was sent for this address after this one, so this one no longer works. If you asked for "
        "the newer one, use the newest email.",
        "This sign-up link has expired. Create your account again to get a new one.",
    };
    return bad_link_page(app, visitor, "signup_invalid.tpl", "Sign-up link not valid", why, state);
}

Response too_many_links(App& app, const Visitor& visitor, std::int64_t retry_after) {
    return too_many_links_page(app, visitor, "signup_invalid.tpl", "Sign-up link not valid", retry_after);
}

std::string token_of(const Request& request) { return request.is_post() ? request.field("token") : request.param("token"); }

Page confirm_form(App& app) { return Page("signup_confirm.tpl", "Confirm your email address", app.config().base_path); }

void fill_confirm_form(Page& page, const std::string& token, const std::string& email) {
    page.set("TOKEN", token);
    page.set("EMAIL", email);
}

Response show_confirm(const Request& request, App& app, const Visitor& visitor) {
    std::string token = token_of(request);
    LinkCheck link = app.accounts.check_signup_link(token, client_of(request));
    if (link.retry_after) return too_many_links(app, visitor, link.retry_after);
    if (link.state != TokenState::Valid) return bad_link(app, visitor, link.state);
    Page page = confirm_form(app);
    fill_confirm_form(page, token, link.payload);
    return render(app, visitor, page);
}

Response confirm(const Request& request, App& app, const Visitor& visitor) {
    std::string token = token_of(request);
    SignupConfirmOutcome done =
        app.accounts.confirm_signup(token, request.field("password"), client_of(request), visitor.session_token);
    switch (done.result) {
        case SignupConfirmResult::TooManyLinks:
            return too_many_links(app, visitor, done.retry_after);
        case SignupConfirmResult::BadLink:
            return bad_link(app, visitor, done.state);
        case SignupConfirmResult::Taken: {
            Page page("signup_invalid.tpl", "Account exists already", app.config().base_path);
            page.set("MESSAGE", "An account with this email address already exists, so this link made none. Log in, or "
                                "reset its password.");
            return render(app, visitor, page, 409);
        }
        case SignupConfirmResult::PasswordMissing:
        case SignupConfirmResult::WrongPassword:
        case SignupConfirmResult::Throttled: {
            Page page = confirm_form(app);
            fill_confirm_form(page, token, done.email);
            if (done.result == SignupConfirmResult::PasswordMissing) {
                page.field_error("password", "Enter the password you chose when you signed up.");
                return render(app, visitor, page, 422);
            }
            if (done.result == SignupConfirmResult::WrongPassword) {
                page.field_error("password", "This is not the password chosen when this account was asked for. If you "
                                             "did not ask for it, close this page: no account is made.");
                return render(app, visitor, page, 403);
            }
            page.field_error("password", "Too many wrong passwords. Wait " + minutes_text(done.retry_after) +
                                             " and try again.");
            return too_many(app, visitor, page, done.retry_after);
        }
        case SignupConfirmResult::Created:
            break;
    }
    // Logged in, with a new browser secret, as after a login.
    Response r = redirect(app, "/profile", "account_confirmed");
    r.set_session_cookie(done.session_token);
    r.rotate_browser_secret();
    return r;
}

Response resend(const Request& request, App& app, const Visitor& visitor) {
    auto email = normalize_email(trim(request.field("email")));
    if (!email) {
        Page page = register_form(app);
        page.set("MIN_LENGTH", std::to_string(app.policy.min_length()));
        page.field_error("email", "Enter an email address like name@example.com.");
        return render(app, visitor, page, 422);
    }
    SignupResendResult resent = app.accounts.resend_signup_link(*email, client_of(request));
    if (resent == SignupResendResult::TooManyFromAddress) {
        Page page = register_form(app);
        page.set("MIN_LENGTH", std::to_string(app.policy.min_length()));
        return too_many(app, visitor, page, "Too many accounts were created from your network. Please try again in an hour.");
    }
    if (resent == SignupResendResult::TooManyMails) {
        Page page = sent_page(app);
        fill_sent_page(page, app, *email);
        page.show("TOO_MANY");
        return too_many(app, visitor, page, 3600);
    }
    return link_sent(app, visitor, *email);
}

}  // namespace

// The confirm pages carry tokens: never leak them through Referer.
const Program kRegister{{
    {.path = "/register", .methods = kGet, .handler = show},
    {.path = "/register", .methods = kPost, .handler = create},
    {.path = "/register/confirm", .methods = kGet, .handler = show_confirm, .referrer_policy = "no-referrer"},
    {.path = "/register/confirm", .methods = kPost, .handler = confirm, .referrer_policy = "no-referrer"},
    {.path = "/register/resend", .methods = kPost, .handler = resend},
}};

}  // namespace pages
