// Tests for serve: auth::handle turns a CGI request into a Response through
// parsing, the page and the error mapping, with the headers every response
// carries.
#include <cppunit/extensions/HelperMacros.h>
#include <sqlite3.h>

#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "pages/pages.hh"
#include "web/app.hh"
#include "store/sqlite/db.hh"
#include "web/serve.hh"
#include "support.hh"

namespace {

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

auth::CgiEnv get_env(const std::string& uri = "/") {
    return {{"REQUEST_METHOD", "GET"}, {"REQUEST_URI", uri}, {"QUERY_STRING", ""}, {"REMOTE_ADDR", "127.0.0.1"}};
}

auth::Response ok_page(const auth::Request& request, auth::App&, const auth::Visitor&) {
    auth::Response r;
    r.body = "<p>ok " + request.path + "</p>";
    return r;
}

// A program whose one handler takes every path, GET and POST, without CSRF.
auth::Program program_of(const auth::Handler& handler, std::size_t max_body = auth::kDefaultMaxBody) {
    auth::Program p;
    for (bool prefix : {false, true})
        p.routes.push_back({.path = "/", .methods = auth::kGet | auth::kPost, .csrf = false, .handler = handler,
                            .max_body = max_body, .prefix = prefix});
    return p;
}

}  // namespace

class ServeTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(ServeTest);
    CPPUNIT_TEST(handler_gets_the_parsed_request);
    CPPUNIT_TEST(exception_becomes_a_generic_500);
    CPPUNIT_TEST(next_request_after_a_500_works);
    CPPUNIT_TEST(the_request_id_is_in_the_log_line_and_on_the_500_page);
    CPPUNIT_TEST(http_error_becomes_its_status);
    CPPUNIT_TEST(method_not_allowed_says_what_is_allowed);
    CPPUNIT_TEST(busy_database_becomes_503_with_retry_after);
    CPPUNIT_TEST(other_database_errors_become_500);
    CPPUNIT_TEST(a_lost_connection_runs_the_page_once_more);
    CPPUNIT_TEST(a_lost_connection_twice_is_503_not_500);
    CPPUNIT_TEST(parse_errors_become_4xx_without_calling_the_page);
    CPPUNIT_TEST(huge_body_is_413_without_reading);
    CPPUNIT_TEST(path_outside_base_url_is_404);
    CPPUNIT_TEST(security_headers_on_every_response);
    CPPUNIT_TEST(page_headers_are_kept_but_framing_is_always_denied);
    CPPUNIT_TEST(hsts_only_over_https);
    CPPUNIT_TEST(client_address_from_trusted_proxies_only);
    CPPUNIT_TEST(a_page_that_reads_nothing_opens_no_database);
    CPPUNIT_TEST_SUITE_END();

public:
    void setUp() override { t_ = std::make_unique<test::TestApp>(); }
    void tearDown() override { t_.reset(); }

    // Plain CGI starts a process per request: GET /login without a session
    // reads nothing, so it must not pay for opening (and first-connection
    // recovery of) the database. A session cookie does open it.
    void a_page_that_reads_nothing_opens_no_database() {
        test::TestApp fresh;
        const std::string& path = fresh.app->config().database_path;
        auth::Response r = auth::handle(*fresh.app, pages::kLogin, get_env("/login"), no_body());
        CPPUNIT_ASSERT_EQUAL(200, r.status);
        CPPUNIT_ASSERT(!std::filesystem::exists(path));
        auth::CgiEnv with_cookie = get_env("/login");
        with_cookie["HTTP_COOKIE"] = "sid=" + std::string(43, 'A');
        CPPUNIT_ASSERT_EQUAL(200, auth::handle(*fresh.app, pages::kLogin, with_cookie, no_body()).status);
        CPPUNIT_ASSERT(std::filesystem::exists(path));
    }

    void client_address_from_trusted_proxies_only() {
        std::string seen;
        auth::Program program = program_of([&](const auth::Request& r, auth::App&, const auth::Visitor&) {
            seen = r.remote_addr;
            return auth::Response();
        });
        auth::CgiEnv env = get_env();
        env["HTTP_X_FORWARDED_FOR"] = "203.0.113.9, 10.1.2.3";
        // No TRUSTED_PROXIES: the header is ignored.
        auth::handle(*t_->app, program, env, no_body());
        CPPUNIT_ASSERT_EQUAL(std::string("127.0.0.1"), seen);
        // 127.0.0.1 and 10.0.0.0/8 trusted: the first untrusted hop from the right.
        test::TestApp behind("http://127.0.0.1:8080", [](auth::Config& c) {
            c.trusted_proxies = {*auth::parse_ip_range("127.0.0.1"), *auth::parse_ip_range("10.0.0.0/8")};
        });
        auth::handle(*behind.app, program, env, no_body());
        CPPUNIT_ASSERT_EQUAL(std::string("203.0.113.9"), seen);
        env["REMOTE_ADDR"] = "192.0.2.50";  // not a proxy of ours: its header is not believed
        auth::handle(*behind.app, program, env, no_body());
        CPPUNIT_ASSERT_EQUAL(std::string("192.0.2.50"), seen);
    }

    void handler_gets_the_parsed_request() {
        auth::Request seen;
        auth::Program program = program_of([&](const auth::Request& r, auth::App& app, const auth::Visitor& v) {
            seen = r;
            return ok_page(r, app, v);
        });
        std::string body = "email=a%40x.test";
        auth::CgiEnv env = {{"REQUEST_METHOD", "POST"}, {"REQUEST_URI", "/login?next=%2Fprofile"},
                            {"QUERY_STRING", "next=%2Fprofile"}, {"CONTENT_TYPE", "application/x-www-form-urlencoded"},
                            {"CONTENT_LENGTH", std::to_string(body.size())}, {"HTTP_COOKIE", "csrf=abc"}};
        auth::Response r = auth::handle(*t_->app, program, env, [&](std::size_t n) { return body.substr(0, n); });
        CPPUNIT_ASSERT_EQUAL(200, r.status);
        CPPUNIT_ASSERT_EQUAL(std::string("/login"), seen.path);
        CPPUNIT_ASSERT_EQUAL(std::string("a@x.test"), seen.field("email"));
        CPPUNIT_ASSERT_EQUAL(std::string("/profile"), seen.param("next"));
        CPPUNIT_ASSERT_EQUAL(std::string("abc"), *seen.cookie("csrf"));
        CPPUNIT_ASSERT_EQUAL(std::string("<p>ok /login</p>"), r.body);
    }

    void exception_becomes_a_generic_500() {
        auth::Program program = program_of([](const auth::Request&, auth::App&, const auth::Visitor&) -> auth::Response {
            throw std::runtime_error("secret detail: /etc/sessionauth/.env line 3");
        });
        auth::Response r = auth::handle(*t_->app, program, get_env(), no_body());
        CPPUNIT_ASSERT_EQUAL(500, r.status);
        CPPUNIT_ASSERT_MESSAGE(r.body, !has(r.body, "secret detail"));
        CPPUNIT_ASSERT_MESSAGE(r.body, !has(r.body, ".env"));
        CPPUNIT_ASSERT_MESSAGE(r.body, has(r.body, "Something went wrong"));
        CPPUNIT_ASSERT_MESSAGE(r.body, has(r.body, "<!DOCTYPE html>"));
        expect_standard_headers(r, false);
    }

    void the_request_id_is_in_the_log_line_and_on_the_500_page() {
        std::vector<std::string> ids;
        auth::Program program = program_of([&](const auth::Request& r, auth::App&, const auth::Visitor&) -> auth::Response {
            ids.push_back(r.request_id);
            throw std::runtime_error("boom");
        });
        test::CaptureStderr err;
        auth::Response r = auth::handle(*t_->app, program, get_env(), no_body());
        auth::handle(*t_->app, program, get_env(), no_body());
        CPPUNIT_ASSERT_EQUAL(std::size_t{2}, ids.size());
        CPPUNIT_ASSERT_EQUAL(std::size_t{8}, ids[0].size());
        CPPUNIT_ASSERT(ids[0] != ids[1]);  // one per request
        CPPUNIT_ASSERT_MESSAGE(r.body, has(r.body, "(reference " + ids[0] + ")"));
        CPPUNIT_ASSERT_MESSAGE(err.text(), has(err.text(), "error " + ids[0] + " in GET /: boom"));
    }

    void next_request_after_a_500_works() {
        bool fail = true;
        auth::Program program = program_of([&](const auth::Request& req, auth::App& app, const auth::Visitor& v) -> auth::Response {
            if (fail) throw std::logic_error("boom");
            return ok_page(req, app, v);
        });
        CPPUNIT_ASSERT_EQUAL(500, auth::handle(*t_->app, program, get_env(), no_body()).status);
        fail = false;
        auth::Response r = auth::handle(*t_->app, program, get_env("/profile"), no_body());
        CPPUNIT_ASSERT_EQUAL(200, r.status);
        CPPUNIT_ASSERT_EQUAL(std::string("<p>ok /profile</p>"), r.body);
    }

    void http_error_becomes_its_status() {
        auth::Program program = program_of([](const auth::Request&, auth::App&, const auth::Visitor&) -> auth::Response {
            throw auth::HttpError(404, "There is no <such> page.", "log detail only");
        });
        auth::Response r = auth::handle(*t_->app, program, get_env(), no_body());
        CPPUNIT_ASSERT_EQUAL(404, r.status);
        CPPUNIT_ASSERT_MESSAGE(r.body, has(r.body, "There is no &lt;such&gt; page."));
        CPPUNIT_ASSERT_MESSAGE(r.body, !has(r.body, "log detail only"));
        expect_standard_headers(r, false);
    }

    void method_not_allowed_says_what_is_allowed() {
        auth::Program program = program_of([](const auth::Request&, auth::App&, const auth::Visitor&) -> auth::Response {
            throw auth::HttpError(405, "Not here.", "PUT");
        });
        auth::Response r = auth::handle(*t_->app, program, get_env(), no_body());
        CPPUNIT_ASSERT_EQUAL(405, r.status);
        CPPUNIT_ASSERT(r.header("Allow"));
    }

    void busy_database_becomes_503_with_retry_after() {
        auth::Program program = program_of([](const auth::Request&, auth::App&, const auth::Visitor&) -> auth::Response {
            throw auth::DbError("query failed: database is locked", SQLITE_BUSY);
        });
        auth::Response r = auth::handle(*t_->app, program, get_env(), no_body());
        CPPUNIT_ASSERT_EQUAL(503, r.status);
        auto retry = r.header("Retry-After");
        CPPUNIT_ASSERT(retry);
        CPPUNIT_ASSERT(std::stoi(*retry) > 0);
        CPPUNIT_ASSERT_MESSAGE(r.body, !has(r.body, "database is locked"));
        expect_standard_headers(r, false);
    }

    void other_database_errors_become_500() {
        auth::Program program = program_of([](const auth::Request&, auth::App&, const auth::Visitor&) -> auth::Response {
            throw auth::DbError("query failed: no such table: users", SQLITE_ERROR);
        });
        auth::Response r = auth::handle(*t_->app, program, get_env(), no_body());
        CPPUNIT_ASSERT_EQUAL(500, r.status);
        CPPUNIT_ASSERT(!r.header("Retry-After"));
        CPPUNIT_ASSERT_MESSAGE(r.body, !has(r.body, "no such table"));
    }

    // As PostgreSQL's store reports a connection lost to a restart.
    class LostConnection : public auth::StoreError {
    public:
        LostConnection() : auth::StoreError("query failed: server closed the connection unexpectedly") {}
        bool busy() const override { return true; }
        bool retry() const override { return true; }
    };

    void a_lost_connection_runs_the_page_once_more() {
        int calls = 0;
        auth::Program program = program_of([&](const auth::Request& req, auth::App& app, const auth::Visitor& v) {
            if (++calls == 1) throw LostConnection();
            return ok_page(req, app, v);
        });
        test::CaptureStderr log;
        auth::Response r = auth::handle(*t_->app, program, get_env(), no_body());
        CPPUNIT_ASSERT_EQUAL(200, r.status);
        CPPUNIT_ASSERT_EQUAL(2, calls);
        CPPUNIT_ASSERT_MESSAGE(log.text(), has(log.text(), "running GET / again"));
    }

    void a_lost_connection_twice_is_503_not_500() {
        int calls = 0;
        auth::Program program = program_of([&](const auth::Request&, auth::App&, const auth::Visitor&) -> auth::Response {
            ++calls;
            throw LostConnection();
        });
        auth::Response r = auth::handle(*t_->app, program, get_env(), no_body());
        CPPUNIT_ASSERT_EQUAL(2, calls);  // once more, not in a loop
        CPPUNIT_ASSERT_EQUAL(503, r.status);
        CPPUNIT_ASSERT(r.header("Retry-After"));
        CPPUNIT_ASSERT_MESSAGE(r.body, !has(r.body, "server closed"));
    }

    void parse_errors_become_4xx_without_calling_the_page() {
        int calls = 0;
        auth::Program program = program_of([&](const auth::Request& req, auth::App& app, const auth::Visitor& v) {
            ++calls;
            return ok_page(req, app, v);
        });
        std::string body = "a=%zz";
        auth::CgiEnv env = {{"REQUEST_METHOD", "POST"}, {"REQUEST_URI", "/login"},
                            {"CONTENT_TYPE", "application/x-www-form-urlencoded"}, {"CONTENT_LENGTH", "5"}};
        auth::Response r = auth::handle(*t_->app, program, env, [&](std::size_t n) { return body.substr(0, n); });
        CPPUNIT_ASSERT_EQUAL(400, r.status);
        expect_standard_headers(r, false);

        env["CONTENT_TYPE"] = "text/plain";
        CPPUNIT_ASSERT_EQUAL(415, auth::handle(*t_->app, program, env, [&](std::size_t n) { return body.substr(0, n); }).status);
        env.erase("CONTENT_LENGTH");
        CPPUNIT_ASSERT_EQUAL(411, auth::handle(*t_->app, program, env, no_body()).status);
        CPPUNIT_ASSERT_EQUAL(0, calls);
    }

    void huge_body_is_413_without_reading() {
        int reads = 0, calls = 0;
        auth::Program program = program_of([&](const auth::Request& req, auth::App& app, const auth::Visitor& v) {
            ++calls;
            return ok_page(req, app, v);
        });
        auth::CgiEnv env = {{"REQUEST_METHOD", "POST"}, {"REQUEST_URI", "/register"},
                            {"CONTENT_TYPE", "application/x-www-form-urlencoded"}, {"CONTENT_LENGTH", "104857600"}};
        auth::Response r = auth::handle(*t_->app, program, env, [&](std::size_t n) {
            ++reads;
            return std::string(n, 'x');
        });
        CPPUNIT_ASSERT_EQUAL(413, r.status);
        CPPUNIT_ASSERT_EQUAL(0, reads);
        CPPUNIT_ASSERT_EQUAL(0, calls);
        expect_standard_headers(r, false);

        // A page's own smaller limit is honoured too.
        auth::Program small = program_of(program.routes[0].handler, 1024);
        env["CONTENT_LENGTH"] = "1025";
        CPPUNIT_ASSERT_EQUAL(413, auth::handle(*t_->app, small, env, no_body()).status);
    }

    void path_outside_base_url_is_404() {
        test::TestApp sub("http://127.0.0.1:8080/auth");
        auth::Program program = program_of(ok_page);
        CPPUNIT_ASSERT_EQUAL(404, auth::handle(*sub.app, program, get_env("/other/login"), no_body()).status);
        auth::Response r = auth::handle(*sub.app, program, get_env("/auth/login"), no_body());
        CPPUNIT_ASSERT_EQUAL(200, r.status);
        CPPUNIT_ASSERT_EQUAL(std::string("<p>ok /login</p>"), r.body);
    }

    void security_headers_on_every_response() {
        auth::Program ok = program_of(ok_page);
        expect_standard_headers(auth::handle(*t_->app, ok, get_env(), no_body()), false);
        auth::Program redirect = program_of([](const auth::Request&, auth::App&, const auth::Visitor&) {
            auth::Response r;
            r.status = 303;
            r.set_header("Location", "http://127.0.0.1:8080/profile");
            return r;
        });
        expect_standard_headers(auth::handle(*t_->app, redirect, get_env(), no_body()), false);
    }

    void page_headers_are_kept_but_framing_is_always_denied() {
        auth::Program program = program_of([](const auth::Request&, auth::App&, const auth::Visitor&) {
            auth::Response r;
            r.set_header("Referrer-Policy", "no-referrer");
            r.set_header("X-Frame-Options", "SAMEORIGIN");
            return r;
        });
        auth::Response r = auth::handle(*t_->app, program, get_env(), no_body());
        CPPUNIT_ASSERT_EQUAL(std::string("no-referrer"), *r.header("Referrer-Policy"));
        CPPUNIT_ASSERT_EQUAL(std::string("DENY"), *r.header("X-Frame-Options"));
    }

    void hsts_only_over_https() {
        auth::Program program = program_of(ok_page);
        auth::Response plain = auth::handle(*t_->app, program, get_env(), no_body());
        CPPUNIT_ASSERT(!plain.header("Strict-Transport-Security"));

        test::TestApp secure("https://example.com");
        auth::Response r = auth::handle(*secure.app, program, get_env(), no_body());
        expect_standard_headers(r, true);
        auto hsts = r.header("Strict-Transport-Security");
        CPPUNIT_ASSERT(hsts);
        auto at = hsts->find("max-age=");
        CPPUNIT_ASSERT(at != std::string::npos);
        CPPUNIT_ASSERT(std::stoll(hsts->substr(at + 8)) >= 31536000);  // at least a year
        // At the root of its host the site speaks for its sub-domains too.
        CPPUNIT_ASSERT(hsts->find("includeSubDomains") != std::string::npos);

        // In a sub-folder it must not decide for the whole domain.
        test::TestApp sub("https://example.com/account");
        auth::Response in_sub = auth::handle(*sub.app, program, get_env("/account/"), no_body());
        CPPUNIT_ASSERT_EQUAL(200, in_sub.status);
        CPPUNIT_ASSERT_EQUAL(std::string("max-age=63072000"), in_sub.header("Strict-Transport-Security").value_or(""));
    }

private:
    static auth::BodyReader no_body() {
        return [](std::size_t) -> std::string { throw std::logic_error("the body must not be read"); };
    }

    static void expect_standard_headers(const auth::Response& r, bool https) {
        const std::string status = "status " + std::to_string(r.status);
        auto csp = r.header("Content-Security-Policy");
        CPPUNIT_ASSERT_MESSAGE(status, csp.has_value());
        CPPUNIT_ASSERT_MESSAGE(*csp, !has(*csp, "unsafe-inline") && !has(*csp, "unsafe-eval"));
        CPPUNIT_ASSERT_MESSAGE(*csp, has(*csp, "default-src 'none'"));
        CPPUNIT_ASSERT_MESSAGE(*csp, has(*csp, "frame-ancestors 'none'"));
        CPPUNIT_ASSERT_MESSAGE(*csp, has(*csp, "script-src 'self'"));
        CPPUNIT_ASSERT_EQUAL_MESSAGE(status, std::string("DENY"), r.header("X-Frame-Options").value_or(""));
        CPPUNIT_ASSERT_EQUAL_MESSAGE(status, std::string("nosniff"), r.header("X-Content-Type-Options").value_or(""));
        CPPUNIT_ASSERT_MESSAGE(status, r.header("Referrer-Policy").has_value());
        CPPUNIT_ASSERT_EQUAL_MESSAGE(status, std::string("no-store"), r.header("Cache-Control").value_or(""));
        CPPUNIT_ASSERT_EQUAL_MESSAGE(status, std::string("text/html; charset=utf-8"), r.header("Content-Type").value_or(""));
        CPPUNIT_ASSERT_EQUAL_MESSAGE(status, https, r.header("Strict-Transport-Security").has_value());
    }

    std::unique_ptr<test::TestApp> t_;
};

CPPUNIT_TEST_SUITE_REGISTRATION(ServeTest);
