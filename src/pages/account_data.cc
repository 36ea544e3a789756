// What the site holds about the person, and their account's end:
// GET /profile/activity shows their recent security events; GET
// /profile/export downloads what the site keeps about them as JSON (never a
// hash, a secret or a token); GET and POST /profile/delete delete the
// account, with the password (and a code when two-step login is on) and
// the address typed again.
#include <map>
#include <string>

#include "core/clock.hh"
#include "core/json.hh"
#include "core/user_agent.hh"
#include "pages/fields.hh"
#include "pages/profile_page.hh"
#include "web/responses.hh"

namespace pages {

using namespace auth;

namespace {

constexpr std::int64_t kActivityRows = 50;

// What an event was, in words, for the activity page.
std::string what_happened(const Event& e) {
    static const std::map<std::string, std::string> words = {
        {events::kSignup, "Registration"},
        {events::kSignupConfirmed, "Address confirmed, account made"},
        {events::kSignupResent, "Sign-up link sent again"},
        {events::kLogin, "Log in"},
        {events::kLogout, "Log out"},
        {events::kReauth, "Password or code typed again"},
        {events::kPasswordChanged, "Password changed"},
        {events::kResetRequested, "Reset link asked for"},
        {events::kPasswordReset, "Password reset"},
        {events::kEmailChangeRequested, "Email address change asked for"},
        {events::kEmailChanged, "Email address changed"},
        {events::kTwoFactorSetup, "Two-step login set-up started"},
        {events::kTwoFactorOn, "Two-step login turned on"},
        {events::kTwoFactorOff, "Two-step login turned off"},
        {events::kRecoveryCodes, "New recovery codes"},
        {events::kPasskeyAdded, "Passkey added"},
        {events::kPasskeyRenamed, "Passkey renamed"},
        {events::kPasskeyRemoved, "Passkey removed"},
        {events::kSessionEnded, "Session ended"},
        {events::kCsrfRefused, "Form refused (expired or from another site)"},
        {events::kBadLink, "Link that did not work"},
        {events::kPictureChanged, "Picture changed"},
        {events::kDataExported, "Data downloaded"},
    };
    auto it = words.find(e.name);
    return it == words.end() ? e.name : it->second;
}

std::string outcome_words(const std::string& outcome) {
    if (outcome == "ok") return "Done";
    if (outcome == "failed") return "Failed";
    if (outcome == "refused") return "Refused";
    if (outcome == "throttled") return "Too many tries";
    return outcome;
}

}  // namespace

// ---- /profile/activity ----

Response show_activity(const Request&, App& app, const Visitor& visitor) {
    Page page("activity.tpl", "Your account's activity", app.config().base_path);
    auto events = app.accounts.events().for_user(visitor.user().id, kActivityRows);
    for (const Event& e : events) {
        Section row = page.add_section("EVENT");
        row.set("WHEN", utc_text(e.at));
        row.set("WHAT", what_happened(e));
        row.set("OUTCOME", outcome_words(e.outcome));
        if (e.outcome != "ok") row.show("NOT_OK");
        row.set("ADDRESS", e.client_ip.empty() ? "unknown" : e.client_ip);
        row.set("BROWSER", e.browser.empty() ? "unknown" : e.browser);
        if (!e.actor.empty()) row.show("BY_ADMIN");
    }
    page.show(events.empty() ? "NO_EVENTS" : "HAS_EVENTS");
    page.set("DAYS", std::to_string(app.config().event_retention_days));
    return render(app, visitor, page);
}

// ---- /profile/export ----

namespace {

std::string field(const char* key, const std::string& value) { return json_string(key) + ": " + json_string(value); }
std::string field(const char* key, std::int64_t value) { return json_string(key) + ": " + std::to_string(value); }
std::string time_field(const char* key, std::int64_t t) { return field(key, utc_text(t)); }

std::string data_json(const AccountData& d, const std::string& site) {
    const User& u = d.user;
    std::string j = "{\n";
    j += "  " + field("site", site) + ",\n";
    j += "  \"profile\": {" + field("id", u.id) + ", " + field("email", u.email) + ", " + field("name", u.name) + ", " +
         time_field("created", u.created_at) + ", " + time_field("password_changed", u.password_changed_at) + ", " +
         json_string("picture") + ": " + (u.picture.empty() ? "null" : json_string("/profile/picture/" + u.picture)) +
         ", " + json_string("email_change_waiting") + ": " + (d.pending_email ? json_string(*d.pending_email) : "null") +
         "},\n";
    j += "  \"two_step_login\": {\"on\": " + std::string(d.two_factor_on ? "true" : "false") +
         (d.two_factor_on ? ", " + field("recovery_codes_left", d.recovery_codes_left) : "") + "},\n";
    j += "  \"passkeys\": [";
    for (std::size_t i = 0; i < d.passkeys.size(); ++i) j += (i ? ", " : "") + json_string(d.passkeys[i]);
    j += "],\n  \"sessions\": [";
    for (std::size_t i = 0; i < d.sessions.size(); ++i) {
        const SessionInfo& s = d.sessions[i];
        j += std::string(i ? "," : "") + "\n    {" + field("browser", describe_user_agent(s.user_agent)) + ", " +
             field("address", s.client_ip) + ", " + time_field("logged_in", s.created_at) + ", " +
             time_field("last_seen", s.last_seen) + "}";
    }
    j += d.sessions.empty() ? "],\n" : "\n  ],\n";
    j += "  \"events\": [";
    for (std::size_t i = 0; i < d.events.size(); ++i) {
        const Event& e = d.events[i];
        j += std::string(i ? "," : "") + "\n    {" + time_field("at", e.at) + ", " + field("event", e.name) + ", " +
             field("outcome", e.outcome) + ", " + field("address", e.client_ip) + ", " + field("browser", e.browser) +
             ", " + field("by", e.actor) + ", " + field("detail", e.detail) + "}";
    }
    j += d.events.empty() ? "]\n" : "\n  ]\n";
    j += "}\n";
    return j;
}

}  // namespace

Response export_data(const Request& request, App& app, const Visitor& visitor) {
    AccountData data = app.accounts.account_data(visitor.user());
    app.accounts.events().record(client_of(request), events::kDataExported, Outcome::Ok, visitor.user().id);
    Response r;
    r.body = data_json(data, app.config().base_url);
    r.set_header("Content-Type", "application/json; charset=utf-8");
    r.set_header("Content-Disposition", "attachment; filename=\"my-account-data.json\"");
    r.set_header("Cache-Control", "no-store");
    return r;
}

// ---- /profile/delete ----

namespace {

Page delete_page(App& app) { return Page("delete_account.tpl", "Delete your account", app.config().base_path); }

void fill_delete(Page& page, const Visitor& visitor) {
    page.set("EMAIL", visitor.user().email);
    page.show(visitor.who->two_factor_on ? "TWO_FACTOR_ON" : "TWO_FACTOR_OFF");  // read with the session
}

}  // namespace

Response show_delete(const Request&, App& app, const Visitor& visitor) {
    Page page = delete_page(app);
    fill_delete(page, visitor);
    return render(app, visitor, page);
}

Response delete_account(const Request& request, App& app, const Visitor& visitor) {
    DeleteOutcome done =
        app.accounts.delete_account(visitor.user(), proof_of(request, visitor), request.field("confirm_email"), client_of(request));
    if (done.result == DeleteResult::Deleted) {
        Response r = redirect(app, "/", "account_deleted");
        r.clear_session_cookie();
        return r;
    }
    Page page = delete_page(app);
    fill_delete(page, visitor);
    if (done.result == DeleteResult::AddressMismatch) {
        page.field_error("confirm_email", "Type the address of this account, " + visitor.user().email + ".");
        if (done.reauth.ok()) return render(app, visitor, page, 422);
    }
    ReauthError e = reauth_error(done.reauth);
    if (!done.reauth.ok()) page.field_error(reauth_field(done.reauth, "current_password", "code"), e.message);
    Response r = render(app, visitor, page, done.reauth.ok() ? 422 : e.status);
    add_retry_after(r, done.reauth);
    return r;
}

}  // namespace pages
