// Tests for http: Request accessors, Set-Cookie values, and Response headers
// and their CGI serialisation.
#include <cppunit/extensions/HelperMacros.h>

#include <string>

#include "web/http.hh"

namespace {

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

int count_headers(const auth::Response& r, const std::string& name) {
    int n = 0;
    for (const auto& h : r.headers) n += h.first == name;
    return n;
}

}  // namespace

class HttpTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(HttpTest);
    CPPUNIT_TEST(request_field_reads_only_the_form);
    CPPUNIT_TEST(request_param_reads_only_the_query);
    CPPUNIT_TEST(request_cookie_is_absent_or_present);
    CPPUNIT_TEST(request_method_predicates);
    CPPUNIT_TEST(cookie_defaults_are_httponly_and_lax);
    CPPUNIT_TEST(cookie_with_every_attribute);
    CPPUNIT_TEST(cookie_without_httponly_or_samesite);
    CPPUNIT_TEST(set_header_replaces_case_insensitively);
    CPPUNIT_TEST(header_lookup_is_case_insensitive);
    CPPUNIT_TEST(add_cookie_keeps_every_cookie);
    CPPUNIT_TEST(serialize_writes_status_headers_length_and_body);
    CPPUNIT_TEST(serialize_counts_bytes_not_characters);
    CPPUNIT_TEST(serialize_without_body_for_head);
    CPPUNIT_TEST(serialize_drops_header_values_with_cr_or_lf);
    CPPUNIT_TEST(status_texts);
    CPPUNIT_TEST(http_error_carries_status_message_and_detail);
    CPPUNIT_TEST_SUITE_END();

public:
    void request_field_reads_only_the_form() {
        auth::Request r;
        r.form["email"] = "a@x.test";
        r.query["csrf_token"] = "from-the-url";
        CPPUNIT_ASSERT_EQUAL(std::string("a@x.test"), r.field("email"));
        CPPUNIT_ASSERT_EQUAL(std::string(), r.field("csrf_token"));
        CPPUNIT_ASSERT_EQUAL(std::string(), r.field("missing"));
    }

    void request_param_reads_only_the_query() {
        auth::Request r;
        r.query["next"] = "/profile";
        r.form["token"] = "from-the-body";
        CPPUNIT_ASSERT_EQUAL(std::string("/profile"), r.param("next"));
        CPPUNIT_ASSERT_EQUAL(std::string(), r.param("token"));
    }

    void request_cookie_is_absent_or_present() {
        auth::Request r;
        r.cookies["sid"] = "";
        CPPUNIT_ASSERT(r.cookie("sid").has_value());  // present but empty is not absent
        CPPUNIT_ASSERT_EQUAL(std::string(), *r.cookie("sid"));
        CPPUNIT_ASSERT(!r.cookie("SID").has_value());
        CPPUNIT_ASSERT(!r.cookie("csrf").has_value());
    }

    void request_method_predicates() {
        auth::Request r;
        r.method = "HEAD";
        CPPUNIT_ASSERT(r.is_get() && !r.is_post());
        r.method = "GET";
        CPPUNIT_ASSERT(r.is_get() && !r.is_post());
        r.method = "POST";
        CPPUNIT_ASSERT(!r.is_get() && r.is_post());
        r.method = "PUT";
        CPPUNIT_ASSERT(!r.is_get() && !r.is_post());
    }

    void cookie_defaults_are_httponly_and_lax() {
        auth::Cookie c;
        c.name = "sid";
        c.value = "abc";
        CPPUNIT_ASSERT_EQUAL(std::string("sid=abc; Path=/; HttpOnly; SameSite=Lax"), c.header_value());
    }

    void cookie_with_every_attribute() {
        auth::Cookie c;
        c.name = "__Secure-sid";
        c.value = "";
        c.path = "/auth";
        c.max_age = 0;
        c.secure = true;
        c.same_site = "Strict";
        CPPUNIT_ASSERT_EQUAL(std::string("__Secure-sid=; Path=/auth; Max-Age=0; Secure; HttpOnly; SameSite=Strict"),
                             c.header_value());
        c.max_age = 300;
        CPPUNIT_ASSERT(has(c.header_value(), "; Max-Age=300;"));
    }

    void cookie_without_httponly_or_samesite() {
        auth::Cookie c;
        c.name = "pref";
        c.value = "1";
        c.http_only = false;
        c.same_site = "";
        CPPUNIT_ASSERT_EQUAL(std::string("pref=1; Path=/"), c.header_value());
    }

    void set_header_replaces_case_insensitively() {
        auth::Response r;
        r.set_header("Content-Type", "text/plain");
        r.set_header("content-type", "text/html; charset=utf-8");
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), r.headers.size());
        CPPUNIT_ASSERT_EQUAL(std::string("text/html; charset=utf-8"), r.headers[0].second);
        r.set_header("Location", "/x");
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), r.headers.size());
    }

    void header_lookup_is_case_insensitive() {
        auth::Response r;
        r.set_header("Retry-After", "5");
        CPPUNIT_ASSERT_EQUAL(std::string("5"), *r.header("retry-after"));
        CPPUNIT_ASSERT_EQUAL(std::string("5"), *r.header("RETRY-AFTER"));
        CPPUNIT_ASSERT(!r.header("Retry"));
        CPPUNIT_ASSERT(!r.header("Location"));
    }

    void add_cookie_keeps_every_cookie() {
        auth::Response r;
        auth::Cookie a, b;
        a.name = "sid";
        a.value = "1";
        b.name = "csrf";
        b.value = "2";
        r.add_cookie(a);
        r.add_cookie(b);
        CPPUNIT_ASSERT_EQUAL(2, count_headers(r, "Set-Cookie"));
        std::string out = r.serialize();
        CPPUNIT_ASSERT(has(out, "Set-Cookie: sid=1; Path=/"));
        CPPUNIT_ASSERT(has(out, "Set-Cookie: csrf=2; Path=/"));
    }

    void serialize_writes_status_headers_length_and_body() {
        auth::Response r;
        r.status = 404;
        r.set_header("Content-Type", "text/html; charset=utf-8");
        r.body = "<p>nope</p>";
        CPPUNIT_ASSERT_EQUAL(std::string("Status: 404 Not Found\r\n"
                                         "Content-Type: text/html; charset=utf-8\r\n"
                                         "Content-Length: 11\r\n"
                                         "\r\n"
                                         "<p>nope</p>"),
                             r.serialize());
    }

    void serialize_counts_bytes_not_characters() {
        auth::Response r;
        r.body = "ü🐎";  // 2 + 4 bytes
        CPPUNIT_ASSERT(has(r.serialize(), "\r\nContent-Length: 6\r\n\r\nü🐎"));
        r.body.clear();
        CPPUNIT_ASSERT(has(r.serialize(), "Content-Length: 0\r\n\r\n"));
    }

    void serialize_without_body_for_head() {
        auth::Response r;
        r.status = 200;
        r.body = "hello";
        std::string out = r.serialize(false);
        CPPUNIT_ASSERT_EQUAL(std::string("Status: 200 OK\r\nContent-Length: 5\r\n\r\n"), out);
        CPPUNIT_ASSERT(!has(out, "hello"));
    }

    void serialize_drops_header_values_with_cr_or_lf() {
        auth::Response r;
        r.status = 303;
        r.set_header("Location", "/profile\r\nSet-Cookie: sid=attacker");
        r.set_header("X-One", "a\nb");
        r.set_header("X-Two", "a\rb");
        r.set_header("X-Fine", "fine");
        std::string out = r.serialize();
        CPPUNIT_ASSERT_MESSAGE(out, !has(out, "attacker"));
        CPPUNIT_ASSERT_MESSAGE(out, !has(out, "Location"));
        CPPUNIT_ASSERT_MESSAGE(out, !has(out, "X-One") && !has(out, "X-Two"));
        CPPUNIT_ASSERT_MESSAGE(out, has(out, "\r\nX-Fine: fine\r\n"));
        CPPUNIT_ASSERT(out.rfind("Status: 303 See Other\r\n", 0) == 0);
    }

    void status_texts() {
        CPPUNIT_ASSERT_EQUAL(std::string("OK"), std::string(auth::status_text(200)));
        CPPUNIT_ASSERT_EQUAL(std::string("See Other"), std::string(auth::status_text(303)));
        CPPUNIT_ASSERT_EQUAL(std::string("Forbidden"), std::string(auth::status_text(403)));
        CPPUNIT_ASSERT_EQUAL(std::string("Length Required"), std::string(auth::status_text(411)));
        CPPUNIT_ASSERT_EQUAL(std::string("Content Too Large"), std::string(auth::status_text(413)));
        CPPUNIT_ASSERT_EQUAL(std::string("Unsupported Media Type"), std::string(auth::status_text(415)));
        CPPUNIT_ASSERT_EQUAL(std::string("Too Many Requests"), std::string(auth::status_text(429)));
        CPPUNIT_ASSERT_EQUAL(std::string("Service Unavailable"), std::string(auth::status_text(503)));
        CPPUNIT_ASSERT_EQUAL(std::string("Unknown"), std::string(auth::status_text(299)));
    }

    void http_error_carries_status_message_and_detail() {
        auth::HttpError e(413, "The form is too large.", "body of 999999 bytes refused");
        CPPUNIT_ASSERT_EQUAL(413, e.status());
        CPPUNIT_ASSERT_EQUAL(std::string("The form is too large."), e.message());
        CPPUNIT_ASSERT_EQUAL(std::string("body of 999999 bytes refused"), std::string(e.what()));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(HttpTest);
