// Passkeys on the profile: GET /profile/passkeys lists them (name, when
// added, when last used) with a form to rename and a button to remove
// each. Adding one: POST /profile/passkeys/new with the current password
// (and code) shows the page that asks the browser to make it (site.js,
// navigator.credentials.create, with the options in the page's data
// attributes), which posts the answer to POST /profile/passkeys/add.
// A passkey in place of a code a form asks for again: POST
// /profile/passkeys/challenge and /profile/passkeys/confirm (JSON, from
// site.js) leave a one-time grant that the form sends as its code.
#include "core/clock.hh"
#include "core/crypto.hh"
#include "core/log.hh"
#include "core/validate.hh"
#include "pages/fields.hh"
#include "pages/pages.hh"
#include "pages/passkey_page.hh"
#include "web/responses.hh"

namespace pages {

using namespace auth;

namespace {

constexpr std::size_t kPasskeyNameMax = 64;

Page passkeys_page(App& app) { return Page("passkeys.tpl", "Your passkeys", app.config().base_path); }

void fill_passkeys(Page& page, App& app, const Visitor& visitor) {
    const User& user = visitor.user();
    page.set("EMAIL", user.email);
    auto passkeys = app.accounts.passkeys_of(user.id);
    for (const Passkey& p : passkeys) {
        Section row = page.add_section("PASSKEY");
        row.set("ID", std::to_string(p.id));
        row.set("NAME", p.name);
        row.set("ADDED", utc_text(p.created_at));
        row.set("LAST_USED", p.last_used_at ? utc_text(p.last_used_at) : "never");
    }
    page.show(passkeys.empty() ? "NO_PASSKEYS" : "HAS_PASSKEYS");
    if (visitor.who->two_factor_on) page.show("TWO_FACTOR_ON");  // read with the session
}

// The name typed for a passkey, trimmed; "Passkey" when none was typed.
struct PasskeyName {
    std::string value;
    std::optional<std::string> error;
};
PasskeyName check_passkey_name(const std::string& raw) {
    PasskeyName n{trim(raw), std::nullopt};
    if (n.value.empty()) n.value = "Passkey";
    if (code_points(n.value) > kPasskeyNameMax)
        n.error = "Use at most " + std::to_string(kPasskeyNameMax) + " characters for the name.";
    else if (has_control_chars(n.value))
        n.error = "The name contains characters that are not allowed (control or direction characters).";
    return n;
}

// The list again with a message on field `field` (status `status`).
Response list_with_error(App& app, const Visitor& visitor, const std::string& field, const std::string& message,
                         int status, const std::string& name_typed = "") {
    Page page = passkeys_page(app);
    fill_passkeys(page, app, visitor);
    page.set("NEW_NAME", name_typed);
    page.field_error(field, message);
    return render(app, visitor, page, status);
}

std::int64_t passkey_id(const Request& request) {
    std::string id = request.field("passkey");
    if (id.empty() || id.size() > 18 || id.find_first_not_of("0123456789") != std::string::npos) return 0;
    return std::stoll(id);
}

Response show(const Request&, App& app, const Visitor& visitor) {
    Page page = passkeys_page(app);
    fill_passkeys(page, app, visitor);
    return render(app, visitor, page);
}

Response start_adding(const Request& request, App& app, const Visitor& visitor) {
    const User& user = visitor.user();
    PasskeyName name = check_passkey_name(request.field("name"));
    if (name.error) return list_with_error(app, visitor, "name", *name.error, 422, request.field("name"));
    PasskeyOutcome start =
        app.accounts.start_passkey_registration(*visitor.who, proof_of(request, visitor), client_of(request), visitor.browser_secret);
    if (start.result == PasskeyResult::Reauth) {
        ReauthError e = reauth_error(start.reauth);
        Response r = list_with_error(app, visitor, reauth_field(start.reauth, "current_password", "code"), e.message,
                                     e.status, name.value);
        add_retry_after(r, start.reauth);
        return r;
    }
    Page page("passkey_add.tpl", "Add a passkey", app.config().base_path);
    page.set("NAME", name.value);
    page.set("CHALLENGE", start.challenge);
    page.set("USER_HANDLE", start.user_handle);
    page.set("USER_NAME", user.email);
    page.set("DISPLAY_NAME", user.name);
    std::string exclude;
    for (const std::string& id : start.credentials) exclude += (exclude.empty() ? "" : " ") + id;
    page.set("EXCLUDE", exclude);
    return render(app, visitor, page);
}

Response add(const Request& request, App& app, const Visitor& visitor) {
    PasskeyName name = check_passkey_name(request.field("name"));
    if (name.error) return list_with_error(app, visitor, "name", *name.error, 422, request.field("name"));
    auto response = passkey_response(request, true);
    if (!response) {
        log_line("adding a passkey refused from " + request.remote_addr + ": fields missing or not base64url");
        return list_with_error(app, visitor, "name", passkey_message(PasskeyProblem::Malformed), 400, name.value);
    }
    PasskeyOutcome added =
        app.accounts.add_passkey(*visitor.who, *response, name.value, client_of(request), visitor.browser_secret);
    if (added.result != PasskeyResult::Done)
        return list_with_error(app, visitor, "name", passkey_message(added.problem), passkey_status(added.problem),
                               name.value);
    return redirect(app, "/profile/passkeys", "passkey_added");
}

Response rename(const Request& request, App& app, const Visitor& visitor) {
    std::int64_t id = passkey_id(request);
    PasskeyName name = check_passkey_name(request.field("name"));
    if (name.error) return list_with_error(app, visitor, "list", *name.error, 422);
    if (!id || app.accounts.rename_passkey(visitor.user(), id, name.value, client_of(request)).result != PasskeyResult::Done)
        return list_with_error(app, visitor, "list", "That passkey is not one of yours (any more).", 404);
    return redirect(app, "/profile/passkeys", "passkey_renamed");
}

Response remove(const Request& request, App& app, const Visitor& visitor) {
    std::int64_t id = passkey_id(request);
    PasskeyOutcome out;
    if (id) out = app.accounts.remove_passkey(visitor.user(), id, client_of(request));
    if (!id || out.result == PasskeyResult::NotFound)
        return list_with_error(app, visitor, "list", "That passkey is not one of yours (any more).", 404);
    if (out.result == PasskeyResult::LastWay)
        return list_with_error(app, visitor, "list",
                               "This is the last way to log in to your account: add another passkey before removing it.",
                               409);
    return redirect(app, "/profile/passkeys", "passkey_removed");
}

Response step_up_challenge(const Request&, App& app, const Visitor& visitor) {
    PasskeyOutcome c = app.accounts.passkey_step_up_challenge(*visitor.who, visitor.browser_secret);
    if (c.result != PasskeyResult::Done) return json_response(404, "{\"error\":\"You have no passkey yet.\"}");
    std::string ids;
    for (const std::string& id : c.credentials) ids += (ids.empty() ? "" : ",") + json_string(id);
    return json_response(200, "{\"challenge\":" + json_string(c.challenge) + ",\"credentials\":[" + ids + "]}");
}

Response step_up(const Request& request, App& app, const Visitor& visitor) {
    auto response = passkey_response(request, false);
    PasskeyOutcome out;
    if (!response) {
        log_line("passkey step-up refused from " + request.remote_addr + ": fields missing or not base64url");
        out.problem = PasskeyProblem::Malformed;
    } else {
        out = app.accounts.passkey_step_up(*visitor.who, *response, client_of(request), visitor.browser_secret);
    }
    if (out.result != PasskeyResult::Done) {
        // The message is text the page shows; it holds no quote or backslash.
        return json_response(passkey_status(out.problem), "{\"error\":\"" + passkey_message(out.problem) + "\"}");
    }
    return json_response(200, "{\"grant\":\"" + out.grant + "\"}");
}

// The bytes of base64url field `name` into `out`; false when it is missing
// (and not `optional`), too long or not base64url.
bool field_bytes(const Request& request, const char* name, std::string& out, bool optional = false) {
    std::string text = request.field(name);
    if (text.empty()) return optional;
    auto bytes = text.size() <= 8192 ? base64url_decode(text) : std::nullopt;
    if (bytes) out = std::move(*bytes);
    return bytes.has_value();
}

}  // namespace

std::optional<PasskeyResponse> passkey_response(const Request& request, bool registration) {
    PasskeyResponse r;
    bool ok = field_bytes(request, "credential_id", r.credential_id) &&
              field_bytes(request, "client_data", r.client_data_json) &&
              (registration ? field_bytes(request, "attestation_object", r.attestation_object)
                            : field_bytes(request, "authenticator_data", r.authenticator_data) &&
                                  field_bytes(request, "signature", r.signature) &&
                                  field_bytes(request, "user_handle", r.user_handle, true));
    if (!ok) return std::nullopt;
    return r;
}

std::string passkey_message(PasskeyProblem problem) {
    switch (problem) {
        case PasskeyProblem::None: return "";
        case PasskeyProblem::Malformed:
            return "Your browser's passkey answer was not complete or not readable. Please try again.";
        case PasskeyProblem::WrongType:
        case PasskeyProblem::Challenge:
            return "That passkey request is not valid any more (used already, older than 5 minutes, or made in "
                   "another browser). Please try again.";
        case PasskeyProblem::WrongOrigin:
        case PasskeyProblem::WrongRpId:
            return "That passkey answer was made for another site, so it was not accepted.";
        case PasskeyProblem::NotPresent:
        case PasskeyProblem::NotVerified:
            return "Your passkey did not confirm that it is you (with a PIN, fingerprint or face). Please try again.";
        case PasskeyProblem::BadAttestation:
        case PasskeyProblem::UnsupportedKey:
            return "This authenticator makes a kind of passkey this site does not take. Try another one.";
        case PasskeyProblem::BadSignature:
            return "The passkey's signature is not right, so it was not accepted.";
        case PasskeyProblem::CounterBackwards:
            return "This passkey may have been copied (its use counter went backwards), so it was not accepted. "
                   "Log in with your password and check your passkeys.";
        case PasskeyProblem::UnknownCredential:
            return "This passkey is not known here: it may have been removed. Log in with your password.";
        case PasskeyProblem::OtherAccount:
            return "This passkey belongs to another account.";
        case PasskeyProblem::Taken:
            return "This passkey is registered already.";
        case PasskeyProblem::Locked:
            return "This account is locked. Ask the site's administrator to unlock it.";
        case PasskeyProblem::Unavailable:
            return "Passkeys are not available on this server right now. Please try again later.";
    }
    return "The passkey was not accepted.";
}

int passkey_status(PasskeyProblem problem) {
    switch (problem) {
        case PasskeyProblem::Malformed: return 400;
        case PasskeyProblem::Taken: return 409;
        case PasskeyProblem::Unavailable: return 503;  // the server's lack (the log says which), not the answer's
        default: return 403;
    }
}

Response json_response(int status, std::string body) {
    Response r;
    r.status = status;
    r.set_header("Content-Type", "application/json");
    r.body = std::move(body);
    return r;
}

std::string json_string(const std::string& base64url) { return "\"" + base64url + "\""; }

const Program kPasskey{{
    {.path = "/login/passkey/challenge", .methods = kPost, .handler = login_challenge},
    {.path = "/login/passkey", .methods = kPost, .handler = log_in_with_passkey, .get_redirect = "/login"},
    {.path = "/profile/passkeys", .methods = kGet, .access = Access::LoggedIn, .handler = show},
    {.path = "/profile/passkeys/new", .methods = kPost, .access = Access::LoggedIn, .handler = start_adding,
     .get_redirect = "/profile/passkeys"},
    {.path = "/profile/passkeys/add", .methods = kPost, .access = Access::LoggedIn, .handler = add,
     .get_redirect = "/profile/passkeys"},
    {.path = "/profile/passkeys/rename", .methods = kPost, .access = Access::LoggedIn, .handler = rename,
     .get_redirect = "/profile/passkeys"},
    {.path = "/profile/passkeys/remove", .methods = kPost, .access = Access::LoggedIn, .handler = remove,
     .get_redirect = "/profile/passkeys"},
    {.path = "/profile/passkeys/challenge", .methods = kPost, .access = Access::LoggedIn, .handler = step_up_challenge},
    {.path = "/profile/passkeys/confirm", .methods = kPost, .access = Access::LoggedIn, .handler = step_up},
}};

}  // namespace pages
