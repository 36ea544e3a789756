#include "core/clock.hh"
#include "core/image_sniff.hh"
#include "core/log.hh"
#include "account/notices.hh"
#include "web/responses.hh"
#include "core/validate.hh"
#include "pages/fields.hh"
#include "pages/pages.hh"
#include "pages/profile_page.hh"

namespace pages {

using namespace auth;

void fill_profile(Page& page, App& app, const User& user, const std::string& name_typed) {
    page.set("NAME", name_typed);
    page.set("EMAIL", user.email);
    page.set("MEMBER_SINCE", utc_text(user.created_at).substr(0, 10));
    page.set("MIN_LENGTH", std::to_string(app.policy.min_length()));
    page.set("PICTURE_MAX", std::to_string(kMaxPictureBytes / (1024 * 1024)) + " MiB");
    page.set("PICTURE_MAX_BYTES", std::to_string(kMaxPictureBytes));
    page.set("PICTURE_TOO_LARGE", problem_text(ImageProblem::TooLarge));
    if (!user.picture.empty())
        page.content().SetValueAndShowSection("PICTURE", user.picture, "HAS_PICTURE");
    else
        page.show("NO_PICTURE");
    if (auto pending = app.email_changes.pending(user.id)) {
        ctemplate::TemplateDictionary* p = page.content().AddSectionDictionary("PENDING_EMAIL");
        p->SetValue("PENDING_ADDRESS", pending->new_email);
        p->SetValue("PENDING_UNTIL", utc_text(pending->expires_at));
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

// POST /profile: the name, and a new picture or none. All or nothing: a
// refused picture keeps the old name too, and the form shows why.
Response update_profile(const Request& request, App& app, const Visitor& visitor) {
    const User& user = *visitor.user;
    NameCheck name = check_name(request.field("name"));
    const UploadedFile* file = chosen_picture(request);
    bool remove = !request.field("remove_picture").empty();
    ImageCheck image;
    if (file) image = sniff_image(file->data);

    if (name.error || (file && !image.ok())) {
        Page page = profile_page(app);
        fill_profile(page, app, user, name.value);
        if (name.error) page.field_error("name", *name.error);
        if (file && !image.ok()) {
            page.field_error("picture", problem_text(image.problem));
            log_line("picture refused for account " + std::to_string(user.id) + ": " + problem_text(image.problem));
        }
        return render(app, visitor, page, file && image.problem == ImageProblem::TooLarge ? 413 : 422);
    }

    std::string stored = file ? app.pictures.write(file->data, *image.type) : "";
    std::string replaced;
    try {
        Transaction tx(app.db);
        app.users.update_name(user.id, name.value, app.clock().now());
        if (file || remove) replaced = app.pictures.assign(user.id, stored);
        tx.commit();
    } catch (...) {
        if (!stored.empty()) app.pictures.remove_file(stored);
        throw;
    }
    if (!replaced.empty()) app.pictures.remove_file(replaced);
    if (file)
        log_line("account " + std::to_string(user.id) + " set a new picture (" + content_type(*image.type) + ", " +
                 std::to_string(image.width) + "x" + std::to_string(image.height) + ")");
    else if (remove && !replaced.empty())
        log_line("account " + std::to_string(user.id) + " removed its picture");
    return redirect(app, visitor, "/profile", !file && remove && !replaced.empty() ? "picture_removed" : "profile_saved");
}

Response change_password(const Request& request, App& app, const Visitor& visitor) {
    const User& user = *visitor.user;
    std::string fresh = request.field("new_password");
    std::string confirm = request.field("new_password_confirm");

    Page page = profile_page(app);
    fill_profile(page, app, user, user.name);
    page.show("PASSWORD_OPEN");

    PasswordConfirm current = confirm_password(app, request, user, "password change");
    if (!current.ok()) {
        page.field_error("current_password", current.error);
        Response r = render(app, visitor, page, current.status);
        if (current.retry_after) r.set_header("Retry-After", std::to_string(current.retry_after));
        return r;
    }
    if (auto problem = app.policy.problem(fresh, user.email, user.name)) {
        page.field_error("new_password", *problem);
        return render(app, visitor, page, 422);
    }
    if (fresh != confirm) {
        page.field_error("new_password_confirm", "The two new passwords do not match.");
        return render(app, visitor, page, 422);
    }

    std::string hash = app.hasher.hash(fresh);
    std::string token;
    {
        Transaction tx(app.db);
        app.users.update_password_hash(user.id, hash, app.clock().now());
        app.sessions.destroy_all_for_user(user.id);
        app.reset_tokens.void_all_for_user(user.id);  // a link mailed before the change must not undo it
        app.email_changes.void_all_for_user(user.id);  // nor an address change asked for with the old password
        token = app.sessions.create(user.id, request.remote_addr, request.user_agent);
        queue_notice(app, Notice::PasswordChanged, {user.email, user.name, request.remote_addr, ""});
        tx.commit();
    }
    app.throttle.clear(user.email);
    log_line("account " + std::to_string(user.id) + " changed its password; other sessions ended");
    Visitor after = visitor;
    after.session_token = token;
    Response r = redirect(app, after, "/profile", "password_changed");
    r.add_cookie(session_cookie(app, token));
    return r;
}

}  // namespace

Response profile(const Request& request, App& app) {
    const std::string& path = request.path;
    if (path.starts_with(kPicturePrefix)) return profile_picture(request, app);
    if (path == "/profile/email" || path.starts_with("/profile/email/")) return profile_email(request, app);
    if (path == "/profile/sessions" || path.starts_with("/profile/sessions/")) return profile_sessions(request, app);

    bool password_path = path == "/profile/password";
    if (path != "/profile" && !password_path) return error_page(app, 404, "There is no such page.");
    Visitor visitor = identify(request, app);
    if (!request.is_get() && !request.is_post()) return method_not_allowed(app, password_path ? "POST" : "GET, HEAD, POST");
    if (!visitor.logged_in()) return login_required(app, request, visitor);

    if (request.is_get()) {
        if (password_path) return redirect(app, visitor, "/profile");
        Page page = profile_page(app);
        fill_profile(page, app, *visitor.user, visitor.user->name);
        return render(app, visitor, page);
    }
    if (!csrf_ok(app, request, visitor)) return csrf_failed(app, request, visitor);
    return password_path ? change_password(request, app, visitor) : update_profile(request, app, visitor);
}

}  // namespace pages
