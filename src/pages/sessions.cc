// The person's own sessions: GET /profile/sessions lists where they are
// logged in; POST /profile/sessions/revoke ends one (field `session`, an
// opaque id made for this list, never the session's secret), POST
// /profile/sessions/revoke-others ends all but the current one. Both ask
// for the current password (ASVS 3.3.4): someone who only holds a stolen
// cookie cannot shut the owner out.
#include "core/clock.hh"
#include "core/crypto.hh"
#include "core/log.hh"
#include "web/responses.hh"
#include "core/user_agent.hh"
#include "pages/fields.hh"
#include "pages/profile_page.hh"

namespace pages {

using namespace auth;

namespace {

constexpr std::size_t kRowIdLength = 22;  // 132 bits of a keyed digest

// The id a row gets in the list: keyed with SECRET_KEY, bound to the user,
// so it cannot be guessed, tells nothing, and names no other user's session.
std::string row_id(const App& app, std::int64_t user_id, std::int64_t session_id) {
    std::string tag = mac(app.config().secret_key, "session-row:" + std::to_string(user_id) + ":" + std::to_string(session_id));
    return base64url_encode(tag).substr(0, kRowIdLength);
}

// The user's session whose row id is `id`.
std::optional<SessionInfo> find_row(App& app, std::int64_t user_id, const std::string& id) {
    if (!looks_like_token(id, kRowIdLength)) return std::nullopt;
    for (const SessionInfo& s : app.sessions.list_for_user(user_id))
        if (constant_time_equal(row_id(app, user_id, s.id), id)) return s;
    return std::nullopt;
}

Page sessions_page(App& app) { return Page("sessions.tpl", "Where you are logged in", app.config().base_path); }

void fill_sessions(Page& page, App& app, const Visitor& visitor) {
    const User& user = *visitor.user;
    page.set("EMAIL", user.email);
    bool others = false;
    for (const SessionInfo& s : app.sessions.list_for_user(user.id)) {
        ctemplate::TemplateDictionary* row = page.content().AddSectionDictionary("SESSION");
        row->SetValue("BROWSER", describe_user_agent(s.user_agent));
        row->SetValue("ADDRESS", s.client_ip.empty() ? "unknown" : s.client_ip);
        row->SetValue("STARTED", utc_text(s.created_at));
        row->SetValue("LAST_SEEN", utc_text(s.last_seen));
        if (visitor.session && s.id == visitor.session->id) {
            row->ShowSection("CURRENT");
        } else {
            row->SetValueAndShowSection("ID", row_id(app, user.id, s.id), "OTHER");
            others = true;
        }
    }
    page.show(others ? "HAS_OTHERS" : "NO_OTHERS");
}

// The list again, with an error on the password or the row.
Response refused(App& app, const Visitor& visitor, const std::string& field, const std::string& message, int status,
                 std::int64_t retry_after = 0) {
    Page page = sessions_page(app);
    fill_sessions(page, app, visitor);
    page.field_error(field, message);
    Response r = render(app, visitor, page, status);
    if (retry_after) r.set_header("Retry-After", std::to_string(retry_after));
    return r;
}

Response revoke(const Request& request, App& app, const Visitor& visitor, bool others) {
    const User& user = *visitor.user;
    PasswordConfirm current = confirm_password(app, request, user, "ending sessions");
    if (!current.ok()) return refused(app, visitor, "current_password", current.error, current.status, current.retry_after);
    if (others) {
        app.sessions.destroy_all_for_user(user.id, visitor.session->id);
        log_line("account " + std::to_string(user.id) + " ended its other sessions");
        return redirect(app, visitor, "/profile/sessions", "other_sessions_ended");
    }
    auto row = find_row(app, user.id, request.field("session"));
    if (!row) {
        log_line("account " + std::to_string(user.id) + " tried to end a session that is not one of its own (or ended)");
        return refused(app, visitor, "session", "That session has already ended, or it is not one of yours.", 404);
    }
    if (row->id == visitor.session->id)
        return refused(app, visitor, "session", "That is the session you are using now: to end it, log out.", 422);
    app.sessions.destroy_for_user(user.id, row->id);
    log_line("account " + std::to_string(user.id) + " ended one of its sessions");
    return redirect(app, visitor, "/profile/sessions", "session_ended");
}

}  // namespace

Response profile_sessions(const Request& request, App& app) {
    const std::string& path = request.path;
    bool list = path == "/profile/sessions";
    bool one = path == "/profile/sessions/revoke";
    bool others = path == "/profile/sessions/revoke-others";
    if (!list && !one && !others) return error_page(app, 404, "There is no such page.");
    Visitor visitor = identify(request, app);
    if (list && !request.is_get()) return method_not_allowed(app, "GET, HEAD");
    if (!list && !request.is_get() && !request.is_post()) return method_not_allowed(app, "POST");
    if (!visitor.logged_in()) return login_required(app, request, visitor);
    if (request.is_get()) {
        if (!list) return redirect(app, visitor, "/profile/sessions");
        Page page = sessions_page(app);
        fill_sessions(page, app, visitor);
        return render(app, visitor, page);
    }
    if (!csrf_ok(app, request, visitor)) return csrf_failed(app, request, visitor);
    return revoke(request, app, visitor, others);
}

}  // namespace pages
