// Two-step login on the profile: GET /profile/two-factor says whether it is
// on and offers what can be done. Turning it on: POST .../start with the
// current password shows a new secret as a QR code (GET .../qr.svg, made on
// the server) and as text; POST .../confirm with a code from the app turns
// it on and shows the 10 recovery codes once (POST
// .../recovery-codes.txt hands the page's codes back as a text file).
// Turning it off (.../off) and new recovery codes (.../recovery-codes) ask
// for the password and a code again.
#include "core/clock.hh"
#include "core/totp.hh"
#include "core/validate.hh"
#include "pages/fields.hh"
#include "pages/profile_page.hh"
#include "web/qr_svg.hh"
#include "web/responses.hh"

namespace pages {

using namespace auth;

namespace {

// The secret as people type it into an app by hand: groups of 4.
std::string grouped(const std::string& base32) {
    std::string out;
    for (std::size_t i = 0; i < base32.size(); ++i) {
        if (i && i % 4 == 0) out += ' ';
        out += base32[i];
    }
    return out;
}

Page two_factor_page(App& app) { return Page("two_factor.tpl", "Two-step login", app.config().base_path); }

void fill_two_factor(Page& page, App& app, const User& user) {
    page.set("EMAIL", user.email);
    if (app.accounts.two_factor_on(user.id)) {
        page.show("ON");
        std::int64_t left = app.accounts.recovery_codes_left(user.id);
        page.set("CODES_LEFT", left == 1 ? "1 recovery code" : std::to_string(left) + " recovery codes");
        if (left <= 3) page.show("FEW_CODES");
    } else {
        page.show("OFF");
    }
}

// The set-up page for the secret being set up: the QR code and the text.
Response setup_page(App& app, const Visitor& visitor, const std::string& secret, int status = 200,
                    const std::string& code_error = "") {
    Page page("two_factor_setup.tpl", "Set up two-step login", app.config().base_path);
    page.set("SECRET", grouped(base32_encode(secret)));
    page.set("EMAIL", visitor.user().email);
    if (!code_error.empty()) page.field_error("code", code_error);
    return render(app, visitor, page, status);
}

Response codes_page(App& app, const Visitor& visitor, const std::vector<std::string>& codes, bool first) {
    Page page("recovery_codes.tpl", "Your recovery codes", app.config().base_path);
    std::string all;
    for (const std::string& c : codes) {
        page.add_section("CODE").set("VALUE", c);
        all += (all.empty() ? "" : " ") + c;
    }
    page.set("ALL_CODES", all);
    page.show(first ? "FIRST" : "AGAIN");
    return render(app, visitor, page);
}

// The two-step login page again with the message of a refused
// reauthentication on the password or code field of form `form` ("off" or
// "codes").
Response refused(App& app, const Visitor& visitor, const ReauthCheck& check, const std::string& form) {
    Page page = two_factor_page(app);
    fill_two_factor(page, app, visitor.user());
    ReauthError e = reauth_error(check);
    page.field_error(form + (check.code ? "_code" : "_password"), e.message);
    Response r = render(app, visitor, page, e.status);
    add_retry_after(r, check);
    return r;
}

// A recovery code as the codes page shows it: xxxxx-xxxxx of base32 letters.
bool looks_like_recovery_code(const std::string& c) {
    if (c.size() != 11 || c[5] != '-') return false;
    for (std::size_t i = 0; i < c.size(); ++i)
        if (i != 5 && !((c[i] >= 'a' && c[i] <= 'z') || (c[i] >= '2' && c[i] <= '7'))) return false;
    return true;
}

}  // namespace

Response show_two_factor(const Request&, App& app, const Visitor& visitor) {
    Page page = two_factor_page(app);
    fill_two_factor(page, app, visitor.user());
    return render(app, visitor, page);
}

Response start_two_factor(const Request& request, App& app, const Visitor& visitor) {
    TwoFactorOutcome started =
        app.accounts.start_two_factor(*visitor.who, request.field("current_password"), client_of(request));
    switch (started.result) {
        case TwoFactorResult::Done: return setup_page(app, visitor, started.secret);
        case TwoFactorResult::Reauth: {
            Page page = two_factor_page(app);
    fill_two_factor(page, app, visitor.user());
            ReauthError e = reauth_error(started.reauth);
            page.field_error("current_password", e.message);
            Response r = render(app, visitor, page, e.status);
            add_retry_after(r, started.reauth);
            return r;
        }
        default: return redirect(app, "/profile/two-factor");  // on already
    }
}

Response two_factor_qr_code(const Request&, App& app, const Visitor& visitor) {
    auto secret = app.accounts.two_factor_setup(*visitor.who);
    if (!secret) return error_page(app, 404, "There is no two-step login being set up. Start again on your profile page.");
    Response r;
    // The app names the account "<host>:<email>" (the issuer is the site's host).
    const std::string& origin = app.config().base_origin;
    std::string issuer = origin.substr(origin.find("://") + 3);
    r.body = qr_svg(otpauth_uri(*secret, issuer, visitor.user().email));
    r.set_header("Content-Type", "image/svg+xml");
    return r;
}

Response confirm_two_factor(const Request& request, App& app, const Visitor& visitor) {
    TwoFactorOutcome done = app.accounts.confirm_two_factor(*visitor.who, request.field("code"), client_of(request));
    switch (done.result) {
        case TwoFactorResult::Done: return codes_page(app, visitor, done.recovery_codes, true);
        case TwoFactorResult::Reauth: {
            auto secret = app.accounts.two_factor_setup(*visitor.who);
            if (!secret) return redirect(app, "/profile/two-factor");
            ReauthError e = reauth_error(done.reauth);
            Response r = setup_page(app, visitor, *secret, e.status, e.message);
            add_retry_after(r, done.reauth);
            return r;
        }
        case TwoFactorResult::NoSetup: {
            Page page = two_factor_page(app);
    fill_two_factor(page, app, visitor.user());
            page.field_error("current_password", "That set-up has expired. Type your password to start again.");
            return render(app, visitor, page, 410);
        }
        default: return redirect(app, "/profile/two-factor");
    }
}

Response turn_off_two_factor(const Request& request, App& app, const Visitor& visitor) {
    TwoFactorOutcome off = app.accounts.turn_off_two_factor(visitor.user(), proof_of(request, visitor), client_of(request));
    if (off.result == TwoFactorResult::Reauth) return refused(app, visitor, off.reauth, "off");
    return redirect(app, "/profile/two-factor", off.result == TwoFactorResult::Done ? "two_factor_off" : "");
}

Response new_recovery_codes(const Request& request, App& app, const Visitor& visitor) {
    TwoFactorOutcome made = app.accounts.new_recovery_codes(visitor.user(), proof_of(request, visitor), client_of(request));
    if (made.result == TwoFactorResult::Reauth) return refused(app, visitor, made.reauth, "codes");
    if (made.result != TwoFactorResult::Done) return redirect(app, "/profile/two-factor");
    return codes_page(app, visitor, made.recovery_codes, false);
}

// The codes the page showed, as a text file: nothing is looked up (the
// site keeps only their digests), what was sent is checked and written back.
Response download_recovery_codes(const Request& request, App& app, const Visitor& visitor) {
    std::string text = "Recovery codes for " + visitor.user().email + " at " + app.config().base_url + "\n" +
                       "Made " + utc_text(app.clock().now()) + ". Each code works once, in place of a code from your app.\n\n";
    std::string codes = request.field("codes");
    std::size_t n = 0;
    for (std::size_t at = 0; at <= codes.size() && n <= 10;) {
        std::size_t end = codes.find(' ', at);
        if (end == std::string::npos) end = codes.size();
        std::string c = codes.substr(at, end - at);
        if (!looks_like_recovery_code(c)) return error_page(app, 400, "These are not recovery codes of this site.");
        text += c + "\n";
        ++n;
        at = end + 1;
    }
    if (n == 0 || n > 10) return error_page(app, 400, "These are not recovery codes of this site.");
    Response r;
    r.body = text;
    r.set_header("Content-Type", "text/plain; charset=utf-8");
    r.set_header("Content-Disposition", "attachment; filename=\"recovery-codes.txt\"");
    return r;
}

}  // namespace pages
