#include "core/log.hh"
#include "web/responses.hh"
#include "core/validate.hh"
#include "pages/fields.hh"
#include "pages/pages.hh"

namespace pages {

using namespace auth;

namespace {

Page register_form(App& app) { return Page("register.tpl", "Create an account", app.config().base_path); }

}  // namespace

Response register_account(const Request& request, App& app) {
    if (request.path != "/register") return error_page(app, 404, "There is no such page.");
    Visitor visitor = identify(request, app);
    if (request.is_get()) {
        Page page = register_form(app);
        page.set("MIN_LENGTH", std::to_string(app.policy.min_length()));
        return render(app, visitor, page);
    }
    if (!request.is_post()) return method_not_allowed(app, "GET, HEAD, POST");
    if (!csrf_ok(app, request, visitor)) return csrf_failed(app, request, visitor);

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
    if (auto problem = app.policy.problem(password, email.value_or(email_typed), name.value)) {
        page.field_error("password", *problem);
        errors = true;
    } else if (password != confirm) {
        page.field_error("password_confirm", "The two passwords do not match.");
        errors = true;
    }
    if (errors) return render(app, visitor, page, 422);

    std::string hash = app.hasher.hash(password);
    auto id = app.users.create(*email, name.value, hash, app.clock().now());
    if (!id) {
        page.field_error("email", "An account with this email address already exists. Log in, or reset its password.");
        page.show("EMAIL_TAKEN");
        return render(app, visitor, page, 409);
    }
    log_line("account " + std::to_string(*id) + " registered from " + request.remote_addr);
    return redirect(app, visitor, "/login", "account_created");
}

}  // namespace pages
