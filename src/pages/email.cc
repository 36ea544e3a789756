// Changing the email address: POST /profile/email asks (new address and the
// current password), which mails a link to the new address and a notice to
// the old one; GET/POST /profile/email/confirm?token=… makes the change;
// POST /profile/email/cancel drops a change still waiting.
#include "core/validate.hh"
#include "pages/fields.hh"
#include "pages/profile_page.hh"
#include "web/responses.hh"

namespace pages {

using namespace auth;

namespace {

// The page for a link that cannot be used, with its own message and status.
Response bad_link(App& app, const Visitor& visitor, TokenState state) {
    static const LinkMessages why = {
        "This confirmation link is incomplete or damaged. Copy the whole link from the email.",
        "This confirmation link is not valid.",
        "This confirmation link has already been used.",
        "This confirmation link no longer works: the change was cancelled, asked for again "
        "with a newer link, or the password was changed since.",
        "This confirmation link has expired. Ask for the change again on your profile page.",
    };
    return bad_link_page(app, visitor, "email_invalid.tpl", "Confirmation link not valid", why, state);
}

Response too_many_links(App& app, const Visitor& visitor, std::int64_t retry_after) {
    return too_many_links_page(app, visitor, "email_invalid.tpl", "Confirmation link not valid", retry_after);
}

std::string token_of(const Request& request) { return request.is_post() ? request.field("token") : request.param("token"); }

}  // namespace

Response request_email_change(const Request& request, App& app, const Visitor& visitor) {
    const User& user = visitor.user();
    std::string typed = trim(request.field("new_email"));
    EmailChangeRequestOutcome asked = app.accounts.request_email_change(
        user, normalize_email(typed), proof_of(request, visitor), client_of(request));
    if (asked.result == EmailChangeRequestResult::Sent) return redirect(app, "/profile", "email_change_sent");

    Page page = profile_page(app);
    fill_profile(page, app, visitor, user.name);
    page.set("NEW_EMAIL", typed);
    if (asked.result == EmailChangeRequestResult::TooMany || asked.result == EmailChangeRequestResult::TooManyMails) {
        page.field_error("new_email", asked.result == EmailChangeRequestResult::TooMany
                                          ? "You asked to change your address too often in the last hour. Try again later."
                                          : "Too many mails have gone to that address in the last hour. Try again later.");
        Response r = render(app, visitor, page, 429);
        r.set_header("Retry-After", "3600");
        return r;
    }
    if (asked.address == EmailAddressProblem::Invalid)
        page.field_error("new_email", "Enter an email address like name@example.com.");
    else if (asked.address == EmailAddressProblem::Same)
        page.field_error("new_email", "That is already your email address.");
    ReauthError e = reauth_error(asked.reauth);
    if (!asked.reauth.ok()) page.field_error(reauth_field(asked.reauth, "email_current_password", "email_code"), e.message);
    Response r = render(app, visitor, page, asked.reauth.ok() ? 422 : e.status);
    add_retry_after(r, asked.reauth);
    return r;
}

Response cancel_email_change(const Request&, App& app, const Visitor& visitor) {
    if (!app.accounts.cancel_email_change(visitor.user().id)) return redirect(app, "/profile");
    return redirect(app, "/profile", "email_change_cancelled");
}

Response show_email_confirm(const Request& request, App& app, const Visitor& visitor) {
    std::string token = token_of(request);
    LinkCheck link = app.accounts.check_email_link(token, client_of(request));
    if (link.retry_after) return too_many_links(app, visitor, link.retry_after);
    if (link.state != TokenState::Valid) return bad_link(app, visitor, link.state);
    Page page("email_confirm.tpl", "Confirm your new email address", app.config().base_path);
    page.set("TOKEN", token);
    page.set("NEW_EMAIL", link.payload);
    return render(app, visitor, page);
}

Response confirm_email_change(const Request& request, App& app, const Visitor& visitor) {
    EmailConfirmOutcome done = app.accounts.confirm_email_change(token_of(request), client_of(request), visitor.who);
    switch (done.result) {
        case EmailConfirmResult::TooManyLinks:
            return too_many_links(app, visitor, done.retry_after);
        case EmailConfirmResult::BadLink:
            return bad_link(app, visitor, done.state);
        case EmailConfirmResult::Taken: {
            Page taken("email_invalid.tpl", "Address already in use", app.config().base_path);
            taken.set("MESSAGE", "Another account uses " + done.new_email +
                                     " now, so the address was not changed. Choose another address on your profile page.");
            return render(app, visitor, taken, 409);
        }
        case EmailConfirmResult::Changed:
            break;
    }
    bool own = visitor.logged_in() && visitor.user().id == done.user_id;
    return redirect(app, own ? "/profile" : "/login", "email_changed");
}

}  // namespace pages
