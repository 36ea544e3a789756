#include "core/clock.hh"
#include "core/image_sniff.hh"
#include "core/log.hh"
#include "pages/fields.hh"
#include "pages/pages.hh"
#include "pages/profile_page.hh"
#include "web/responses.hh"

namespace pages {

using namespace auth;

void fill_profile(Page& page, App& app, const Visitor& visitor, const std::string& name_typed) {
    // The picture limits are constants: their texts are made once.
    static const std::string picture_max = std::to_string(kMaxPictureBytes / (1024 * 1024)) + " MiB";
    static const std::string picture_max_bytes = std::to_string(kMaxPictureBytes);
    static const std::string picture_too_large = problem_text(ImageProblem::TooLarge);
    const User& user = visitor.user();
    page.set("NAME", name_typed);
    page.set("EMAIL", user.email);
    page.set("MEMBER_SINCE", utc_text(user.created_at).substr(0, 10));
    page.set("MIN_LENGTH", std::to_string(app.policy.min_length()));
    page.set("PICTURE_MAX", picture_max);
    page.set("PICTURE_MAX_BYTES", picture_max_bytes);
    page.set("PICTURE_TOO_LARGE", picture_too_large);
    if (!user.picture.empty())
        page.set_in("HAS_PICTURE", "PICTURE", user.picture);
    else
        page.show("NO_PICTURE");
    if (visitor.who->two_factor_on)
        page.show("TWO_FACTOR_ON");
    else
        page.show("TWO_FACTOR_OFF");
    if (const auto& pending = visitor.who->pending_email_change) {
        Section p = page.add_section("PENDING_EMAIL");
        p.set("PENDING_ADDRESS", pending->address);
        p.set("PENDING_UNTIL", utc_text(pending->expires_at));
    }
}

namespace {

// The picture the form sent, if a file was chosen. A form sent without
// choosing one has an empty "picture" text field, not a file.
const UploadedFile* chosen_picture(const Request& request) {
    auto it = request.files.find("picture");
    if (it == request.files.end()) return nullptr;
    if (it->second.filename.empty() && it->second.data.empty()) return nullptr;
    return &it->second;
}

Response show(const Request&, App& app, const Visitor& visitor) {
    Page page = profile_page(app);
    fill_profile(page, app, visitor, visitor.user().name);
    return render(app, visitor, page);
}

// POST /profile: the name, and a new picture or none. All or nothing: a
// refused picture keeps the old name too, and the form shows why.
Response update(const Request& request, App& app, const Visitor& visitor) {
    const User& user = visitor.user();
    NameCheck name = check_name(request.field("name"));
    const UploadedFile* file = chosen_picture(request);
    bool remove = !request.field("remove_picture").empty();
    ImageCheck image;
    if (file) image = sniff_image(file->data);

    if (name.error || (file && !image.ok())) {
        Page page = profile_page(app);
        fill_profile(page, app, visitor, name.value);
        if (name.error) page.field_error("name", *name.error);
        if (file && !image.ok()) {
            page.field_error("picture", problem_text(image.problem));
            log_line("picture refused for account " + std::to_string(user.id) + ": " + problem_text(image.problem));
        }
        return render(app, visitor, page, file && image.problem == ImageProblem::TooLarge ? 413 : 422);
    }
    ProfileResult saved = app.accounts.update_profile(user, name.value, file ? &file->data : nullptr, image, remove,
                                                      client_of(request));
    return redirect(app, "/profile", saved == ProfileResult::PictureRemoved ? "picture_removed" : "profile_saved");
}

Response change_password(const Request& request, App& app, const Visitor& visitor) {
    const User& user = visitor.user();
    PasswordChangeOutcome change = app.accounts.change_password(
        user, proof_of(request, visitor), request.field("new_password"), request.field("new_password_confirm"), client_of(request));
    if (change.result == PasswordChangeResult::Changed) {
        Response r = redirect(app, "/profile", "password_changed");
        r.set_session_cookie(change.session_token);
        return r;
    }
    Page page = profile_page(app);
    fill_profile(page, app, visitor, user.name);
    page.show("PASSWORD_OPEN");
    switch (change.result) {
        case PasswordChangeResult::Reauth: {
            ReauthError e = reauth_error(change.reauth);
            page.field_error(reauth_field(change.reauth, "current_password", "password_code"), e.message);
            Response r = render(app, visitor, page, e.status);
            add_retry_after(r, change.reauth);
            return r;
        }
        case PasswordChangeResult::Rejected:
            page.field_error("new_password", change.problem);
            break;
        case PasswordChangeResult::Mismatch:
            page.field_error("new_password_confirm", "The two new passwords do not match.");
            break;
        case PasswordChangeResult::Changed:
            break;
    }
    return render(app, visitor, page, 422);
}

}  // namespace

const Program kProfile{{
    {.path = "/profile", .methods = kGet, .access = Access::LoggedIn, .handler = show},
    {.path = "/profile", .methods = kPost, .access = Access::LoggedIn, .handler = update,
     .max_body = kProfileFormMaxBody},
    {.path = "/profile/password", .methods = kPost, .access = Access::LoggedIn, .handler = change_password,
     .get_redirect = "/profile"},
    {.path = "/profile/email", .methods = kPost, .access = Access::LoggedIn, .handler = request_email_change,
     .get_redirect = "/profile"},
    {.path = "/profile/email/cancel", .methods = kPost, .access = Access::LoggedIn, .handler = cancel_email_change,
     .get_redirect = "/profile"},
    // Opened from a mail, logged in or not; the page carries the token.
    {.path = "/profile/email/confirm", .methods = kGet, .handler = show_email_confirm, .referrer_policy = "no-referrer"},
    {.path = "/profile/email/confirm", .methods = kPost, .handler = confirm_email_change,
     .referrer_policy = "no-referrer"},
    {.path = "/profile/two-factor", .methods = kGet, .access = Access::LoggedIn, .handler = show_two_factor},
    {.path = "/profile/two-factor/start", .methods = kPost, .access = Access::LoggedIn, .handler = start_two_factor,
     .get_redirect = "/profile/two-factor"},
    {.path = kQrCodePath, .methods = kGet, .access = Access::LoggedIn, .handler = two_factor_qr_code},
    {.path = "/profile/two-factor/confirm", .methods = kPost, .access = Access::LoggedIn, .handler = confirm_two_factor,
     .get_redirect = "/profile/two-factor"},
    {.path = "/profile/two-factor/off", .methods = kPost, .access = Access::LoggedIn, .handler = turn_off_two_factor,
     .get_redirect = "/profile/two-factor"},
    {.path = "/profile/two-factor/recovery-codes", .methods = kPost, .access = Access::LoggedIn,
     .handler = new_recovery_codes, .get_redirect = "/profile/two-factor"},
    {.path = "/profile/two-factor/recovery-codes.txt", .methods = kPost, .access = Access::LoggedIn,
     .handler = download_recovery_codes, .get_redirect = "/profile/two-factor"},
    {.path = "/profile/sessions", .methods = kGet, .access = Access::LoggedIn, .handler = list_sessions},
    {.path = "/profile/sessions/revoke", .methods = kPost, .access = Access::LoggedIn, .handler = end_session,
     .get_redirect = "/profile/sessions"},
    {.path = "/profile/sessions/revoke-others", .methods = kPost, .access = Access::LoggedIn,
     .handler = end_other_sessions, .get_redirect = "/profile/sessions"},
    {.path = "/profile/activity", .methods = kGet, .access = Access::LoggedIn, .handler = show_activity},
    {.path = "/profile/export", .methods = kGet, .access = Access::LoggedIn, .handler = export_data},
    {.path = "/profile/delete", .methods = kGet, .access = Access::LoggedIn, .handler = show_delete},
    {.path = "/profile/delete", .methods = kPost, .access = Access::LoggedIn, .handler = delete_account},
    // Only its owner sees a picture; anyone else gets 404, not a login page.
    {.path = kPicturePrefix, .methods = kGet, .handler = show_picture, .prefix = true},
}};

}  // namespace pages
