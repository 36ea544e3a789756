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

    RegisterOutcome created = app.accounts.register_account(*email, name.value, password, client_of(request));
    if (created.result == RegisterResult::EmailTaken) {
        page.field_error("email", "An account with this email address already exists. Log in, or reset its password.");
        page.show("EMAIL_TAKEN");
        return render(app, visitor, page, 409);
    }
    return redirect(app, "/login", "account_created");
}

}  // namespace

const Program kRegister{{
    {.path = "/register", .methods = kGet, .handler = show},
    {.path = "/register", .methods = kPost, .handler = create},
}};

}  // namespace pages
