// The person's own sessions: GET /profile/sessions lists where they are
// logged in; POST /profile/sessions/revoke ends one (field `session`, an
// opaque id made for this list, never the session's secret), POST
// /profile/sessions/revoke-others ends all but the current one. Both ask
// for the current password (ASVS 3.3.4), and a code when two-step login is
// on: someone who only holds a stolen cookie cannot shut the owner out.
#include "core/clock.hh"
#include "core/crypto.hh"
#include "core/user_agent.hh"
#include "pages/fields.hh"
#include "pages/profile_page.hh"
#include "web/responses.hh"

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

// The id of the user's session whose row id is `id`; 0 if none.
std::int64_t find_row(App& app, std::int64_t user_id, const std::string& id) {
    if (!looks_like_token(id, kRowIdLength)) return 0;
    for (const SessionInfo& s : app.accounts.sessions_of(user_id))
        if (constant_time_equal(row_id(app, user_id, s.id), id)) return s.id;
    return 0;
}

Page sessions_page(App& app) { return Page("sessions.tpl", "Where you are logged in", app.config().base_path); }

void fill_sessions(Page& page, App& app, const Visitor& visitor) {
    const User& user = visitor.user();
    page.set("EMAIL", user.email);
    bool others = false;
    for (const SessionInfo& s : app.accounts.sessions_of(user.id)) {
        Section row = page.add_section("SESSION");
        row.set("BROWSER", describe_user_agent(s.user_agent));
        row.set("ADDRESS", s.client_ip.empty() ? "unknown" : s.client_ip);
        row.set("STARTED", utc_text(s.created_at));
        row.set("LAST_SEEN", utc_text(s.last_seen));
        if (s.passkey) row.show("PASSKEY");  // logged in with a passkey
        if (s.id == visitor.who->session.id) {
            row.show("CURRENT");
        } else {
            row.set("ID", row_id(app, user.id, s.id));
            row.show("OTHER");
            others = true;
        }
    }
    page.show(others ? "HAS_OTHERS" : "NO_OTHERS");
    page.show(visitor.who->two_factor_on ? "TWO_FACTOR_ON" : "TWO_FACTOR_OFF");  // read with the session
}

// The list again, with an error on the password or the row.
Response refused(App& app, const Visitor& visitor, const std::string& field, const std::string& message, int status) {
    Page page = sessions_page(app);
    fill_sessions(page, app, visitor);
    page.field_error(field, message);
    return render(app, visitor, page, status);
}

Response answer(App& app, const Visitor& visitor, const EndSessionOutcome& ended, const char* flash) {
    switch (ended.result) {
        case EndSessionResult::Ended:
            return redirect(app, "/profile/sessions", flash);
        case EndSessionResult::Reauth: {
            ReauthError e = reauth_error(ended.reauth);
            Response r = refused(app, visitor, reauth_field(ended.reauth, "current_password", "code"), e.message, e.status);
            add_retry_after(r, ended.reauth);
            return r;
        }
        case EndSessionResult::NotFound:
            return refused(app, visitor, "session", "That session has already ended, or it is not one of yours.", 404);
        case EndSessionResult::Current:
            return refused(app, visitor, "session", "That is the session you are using now: to end it, log out.", 422);
    }
    return refused(app, visitor, "session", "That session could not be ended.", 422);
}

}  // namespace

Response list_sessions(const Request&, App& app, const Visitor& visitor) {
    Page page = sessions_page(app);
    fill_sessions(page, app, visitor);
    return render(app, visitor, page);
}

Response end_session(const Request& request, App& app, const Visitor& visitor) {
    const Identity& who = *visitor.who;
    std::int64_t id = find_row(app, who.user.id, request.field("session"));
    EndSessionOutcome ended = app.accounts.end_session(who, id, proof_of(request, visitor), client_of(request));
    return answer(app, visitor, ended, "session_ended");
}

Response end_other_sessions(const Request& request, App& app, const Visitor& visitor) {
    EndSessionOutcome ended =
        app.accounts.end_other_sessions(*visitor.who, proof_of(request, visitor), client_of(request));
    return answer(app, visitor, ended, "other_sessions_ended");
}

}  // namespace pages
