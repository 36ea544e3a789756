#include "support.hh"

#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include "auth/db.hh"
#include "auth/validate.hh"
#include "pages/pages.hh"

namespace test {

TempDir::TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string templ = std::string(base && *base ? base : "/tmp") + "/sessionauth-test-XXXXXX";
    if (!mkdtemp(templ.data())) throw std::runtime_error("mkdtemp failed");
    path_ = templ;
}

TempDir::~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

std::string source_dir() {
#ifdef TOP_SRCDIR
    return TOP_SRCDIR;
#else
    return ".";
#endif
}

auth::Config test_config(const TempDir& dir, const std::string& base_url) {
    std::map<std::string, std::string> file = {
        {"SECRET_KEY", "test-secret-key-0123456789abcdef0123456789"},
        {"BASE_URL", base_url},
        {"MAIL_SERVER", "127.0.0.1"},
        {"MAIL_PORT", "1025"},
        {"MAIL_FROM", "noreply@sessionauth.test"},
        {"MAIL_STARTTLS", "False"},
        {"DATABASE_PATH", dir.file("test.sqlite")},
        {"TEMPLATE_DIR", source_dir() + "/templates"},
        {"DATA_DIR", source_dir() + "/data"},
        {"ARGON2_OPSLIMIT", "1"},
        {"ARGON2_MEMLIMIT_KIB", "8"},
    };
    return auth::make_config(file, [](const std::string&) { return std::optional<std::string>(); });
}

TestApp::TestApp(const std::string& base_url, const std::function<void(auth::Config&)>& tweak) {
    auth::Config config = test_config(dir, base_url);
    if (tweak) tweak(config);
    auto c = std::make_unique<ManualClock>();
    clock = c.get();
    auto m = std::make_unique<auth::RecordingMailer>();
    mailer = m.get();
    app = std::make_unique<auth::App>(config, std::move(c), std::move(m));
}

auth::Request get(const std::string& path, const std::map<std::string, std::string>& query) {
    auth::Request r;
    r.method = "GET";
    r.path = path;
    r.query = query;
    r.remote_addr = "127.0.0.1";
    r.user_agent = "unit-test";
    return r;
}

auth::Request post(const std::string& path, const std::map<std::string, std::string>& form) {
    auth::Request r = get(path);
    r.method = "POST";
    r.form = form;
    return r;
}

std::string set_cookie_header(const auth::Response& response, const std::string& name) {
    for (const auto& [k, v] : response.headers)
        if (k == "Set-Cookie" && v.compare(0, name.size() + 1, name + "=") == 0) return v;
    return "";
}

bool sets_cookie(const auth::Response& response, const std::string& name) {
    return !set_cookie_header(response, name).empty();
}

std::string set_cookie_value(const auth::Response& response, const std::string& name) {
    std::string h = set_cookie_header(response, name);
    if (h.empty()) return "";
    std::string v = h.substr(name.size() + 1);
    return v.substr(0, v.find(';'));
}

std::string csrf_token_in(const std::string& body) {
    const std::string marker = "name=\"csrf_token\" value=\"";
    auto p = body.find(marker);
    if (p == std::string::npos) return "";
    p += marker.size();
    return body.substr(p, body.find('"', p) - p);
}

auth::Response Browser::send(Page page, auth::Request request) {
    request.cookies = cookies_;
    auth::Response r = page(request, app_);
    for (const auto& [k, v] : r.headers) {
        if (k != "Set-Cookie") continue;
        auto eq = v.find('=');
        std::string name = v.substr(0, eq);
        std::string value = v.substr(eq + 1, v.find(';') - eq - 1);
        if (v.find("Max-Age=0") != std::string::npos)
            cookies_.erase(name);
        else
            cookies_[name] = value;
    }
    std::string token = csrf_token_in(r.body);
    if (!token.empty()) csrf_ = token;
    return r;
}

auth::Response Browser::get(Page page, const std::string& path, const std::map<std::string, std::string>& query) {
    return send(page, test::get(path, query));
}

auth::Response Browser::post(Page page, const std::string& path, std::map<std::string, std::string> form) {
    if (!form.count("csrf_token")) form["csrf_token"] = csrf_;
    return send(page, test::post(path, form));
}

std::int64_t make_user(auth::App& app, const std::string& email, const std::string& password, const std::string& name) {
    auto id = app.users.create(email, name, app.hasher.hash(password), app.clock().now());
    if (!id) throw std::runtime_error("make_user: email taken: " + email);
    return *id;
}

// ---- Helpers for the page tests ----

auth::Request get_from(Browser& browser, const std::string& path, const std::map<std::string, std::string>& query) {
    auth::Request r = test::get(path, query);
    r.cookies = browser.cookies();
    return r;
}

auth::Request post_from(Browser& browser, const std::string& path, std::map<std::string, std::string> form) {
    if (!form.count("csrf_token")) form["csrf_token"] = browser.last_csrf_token();
    auth::Request r = test::post(path, form);
    r.cookies = browser.cookies();
    return r;
}

auth::Response log_in(Browser& browser, const std::string& email, const std::string& password, const std::string& next) {
    browser.get(pages::login, "/login");
    std::map<std::string, std::string> form = {{"email", email}, {"password", password}};
    if (!next.empty()) form["next"] = next;
    return browser.post(pages::login, "/login", form);
}

std::string header_value(const auth::Response& response, const std::string& name) {
    return response.header(name).value_or("");
}

std::string replace_all(std::string body, const std::string& text, const std::string& by) {
    if (text.empty()) return body;
    for (std::size_t p = body.find(text); p != std::string::npos; p = body.find(text, p + by.size()))
        body.replace(p, text.size(), by);
    return body;
}

std::string without_csrf_token(const std::string& body) { return replace_all(body, csrf_token_in(body), "CSRF-TOKEN"); }

std::int64_t login_failures_for(auth::App& app, const std::string& email) {
    auto q = app.db.query("SELECT count(*) FROM login_failures WHERE email = ?");
    q.bind(1, auth::ascii_lower(email));
    q.step();
    return q.int64(0);
}

std::int64_t session_rows(auth::App& app) {
    auto q = app.db.query("SELECT count(*) FROM sessions");
    q.step();
    return q.int64(0);
}

}  // namespace test
