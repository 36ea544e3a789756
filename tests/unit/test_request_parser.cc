// Tests for request_parser: CGI variables and a body stream to a Request,
// strictly: a missing, malformed or too large Content-Length, a short body,
// bad %-escapes, invalid UTF-8 or NUL, repeated, empty or too many fields,
// form fields only from the body, other content types, multipart bodies and
// their boundaries, paths outside BASE_URL, and cookies.
#include <cppunit/extensions/HelperMacros.h>

#include <string>
#include <vector>

#include "web/request_parser.hh"

namespace {

// A body stream that records how it was used.
struct Body {
    std::string data;
    int calls = 0;
    std::size_t pos = 0;

    auth::BodyReader reader() {
        return [this](std::size_t n) {
            ++calls;
            std::string chunk = data.substr(pos, n);
            pos += chunk.size();
            return chunk;
        };
    }
};

auth::CgiEnv get_env(const std::string& uri, const std::string& query = "") {
    return {{"REQUEST_METHOD", "GET"}, {"REQUEST_URI", query.empty() ? uri : uri + "?" + query}, {"QUERY_STRING", query},
            {"REMOTE_ADDR", "192.0.2.7"}};
}

auth::CgiEnv post_env(const std::string& uri, const std::string& body,
                      const std::string& type = "application/x-www-form-urlencoded") {
    return {{"REQUEST_METHOD", "POST"}, {"REQUEST_URI", uri},   {"QUERY_STRING", ""},
            {"CONTENT_TYPE", type},     {"CONTENT_LENGTH", std::to_string(body.size())}, {"REMOTE_ADDR", "192.0.2.7"}};
}

// The HttpError status parse_request throws (0 if it returns).
int status_of(const auth::CgiEnv& env, Body& body, const std::string& base = "", std::size_t max = auth::kDefaultMaxBody) {
    try {
        auth::parse_request(env, body.reader(), base, max);
    } catch (const auth::HttpError& e) {
        return e.status();
    }
    return 0;
}

int post_status(const std::string& body_text, const std::string& type = "application/x-www-form-urlencoded") {
    Body body{body_text};
    return status_of(post_env("/login", body_text, type), body);
}

auth::Request parse_post(const std::string& body_text, const std::string& type = "application/x-www-form-urlencoded") {
    Body body{body_text};
    return auth::parse_request(post_env("/login", body_text, type), body.reader(), "");
}

std::string multipart(const std::string& boundary) {
    std::string b = "--" + boundary + "\r\n";
    return b + "Content-Disposition: form-data; name=\"name\"\r\n\r\nAda Lovelace\r\n" + b +
           "Content-Disposition: form-data; name=\"csrf_token\"\r\n\r\ntok123\r\n" + b +
           "Content-Disposition: form-data; name=\"picture\"; filename=\"me.png\"\r\n"
           "Content-Type: image/png\r\n\r\n"
           "PNG\x01\x02\x03" "data\r\n"
           "--" + boundary + "--\r\n";
}

}  // namespace

class RequestParserTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(RequestParserTest);
    CPPUNIT_TEST(get_parses_the_query_string);
    CPPUNIT_TEST(variables_from_a_fastcgi_environment);
    CPPUNIT_TEST(get_copies_client_headers);
    CPPUNIT_TEST(get_does_not_read_the_body);
    CPPUNIT_TEST(semicolon_does_not_split_query_pairs);
    CPPUNIT_TEST(post_parses_an_urlencoded_body);
    CPPUNIT_TEST(post_content_type_is_case_insensitive);
    CPPUNIT_TEST(post_with_empty_body);
    CPPUNIT_TEST(missing_content_length_is_411_without_reading);
    CPPUNIT_TEST(malformed_content_length_is_400_without_reading);
    CPPUNIT_TEST(huge_content_length_is_413_without_reading);
    CPPUNIT_TEST(body_of_exactly_the_limit_is_accepted);
    CPPUNIT_TEST(body_shorter_than_content_length_is_400);
    CPPUNIT_TEST(bad_percent_escapes_are_400);
    CPPUNIT_TEST(invalid_utf8_and_nul_are_400);
    CPPUNIT_TEST(duplicate_fields_are_400);
    CPPUNIT_TEST(too_many_fields_are_400);
    CPPUNIT_TEST(empty_field_name_is_400);
    CPPUNIT_TEST(bad_query_string_is_400_too);
    CPPUNIT_TEST(form_fields_come_only_from_the_body);
    CPPUNIT_TEST(other_content_types_are_415);
    CPPUNIT_TEST(multipart_fields_and_file);
    CPPUNIT_TEST(multipart_with_quoted_boundary);
    CPPUNIT_TEST(multipart_with_wrong_or_missing_boundary_is_400);
    CPPUNIT_TEST(multipart_duplicate_or_bad_field_is_400);
    CPPUNIT_TEST(path_is_stripped_of_base_path);
    CPPUNIT_TEST(path_outside_base_path_is_404);
    CPPUNIT_TEST(path_from_script_name_and_path_info);
    CPPUNIT_TEST(bad_request_method_is_400);
    CPPUNIT_TEST(overlong_query_string_is_414);
    CPPUNIT_TEST(parse_cookies_trims_and_unquotes);
    CPPUNIT_TEST(parse_cookies_drops_a_name_sent_twice);
    CPPUNIT_TEST(parse_cookies_ignores_junk);
    CPPUNIT_TEST(cookie_header_over_8_kib_is_400);
    CPPUNIT_TEST(parse_urlencoded_values);
    CPPUNIT_TEST(only_the_variables_parse_request_reads_are_kept);
    CPPUNIT_TEST_SUITE_END();

public:
    // The FastCGI loop reads a request's "NAME=value" strings in place: a
    // value may hold "=", a line without one is skipped, a name not read
    // is left out, and of a name sent twice the first counts (as in a map).
    void variables_from_a_fastcgi_environment() {
        const char* envp[] = {"REQUEST_METHOD=GET",        "REQUEST_URI=/login?next=%2Fa%3Db", "QUERY_STRING=next=%2Fa%3Db",
                              "HTTP_COOKIE=csrf=x=y; a=b", "NOT_READ=1",                       "BROKEN",
                              "HTTP_ORIGIN=",              "REQUEST_METHOD=POST",              nullptr};
        auth::CgiVariables var(envp);
        CPPUNIT_ASSERT_EQUAL(std::string("GET"), std::string(var.get("REQUEST_METHOD")));
        CPPUNIT_ASSERT_EQUAL(std::string("next=%2Fa%3Db"), std::string(var.get("QUERY_STRING")));
        CPPUNIT_ASSERT_EQUAL(std::string("csrf=x=y; a=b"), std::string(var.get("HTTP_COOKIE")));
        CPPUNIT_ASSERT(var.get("NOT_READ").empty() && var.get("BROKEN").empty() && var.get("HTTP_ORIGIN").empty());
        Body body;
        auth::Request r = auth::parse_request(var, body.reader(), "", [](const std::string&) { return auth::kDefaultMaxBody; });
        CPPUNIT_ASSERT_EQUAL(std::string("GET"), r.method);
        CPPUNIT_ASSERT_EQUAL(std::string("/login"), r.path);
        CPPUNIT_ASSERT_EQUAL(std::string("/a=b"), r.query.at("next"));
        CPPUNIT_ASSERT_EQUAL(std::string("x=y"), r.cookies.at("csrf"));
        CPPUNIT_ASSERT_EQUAL(0, body.calls);
        const char* none[] = {nullptr};
        CPPUNIT_ASSERT(auth::CgiVariables(none).get("REQUEST_METHOD").empty());
    }

    void get_parses_the_query_string() {
        Body body;
        auth::Request r = auth::parse_request(get_env("/login", "next=%2Fprofile%3Ftab%3D1&x=a+b&empty=&flag"), body.reader(), "");
        CPPUNIT_ASSERT_EQUAL(std::string("GET"), r.method);
        CPPUNIT_ASSERT_EQUAL(std::string("/login"), r.path);
        CPPUNIT_ASSERT_EQUAL(std::string("/profile?tab=1"), r.param("next"));
        CPPUNIT_ASSERT_EQUAL(std::string("a b"), r.param("x"));
        CPPUNIT_ASSERT(r.query.count("empty") && r.query.count("flag"));
        CPPUNIT_ASSERT_EQUAL(std::size_t(4), r.query.size());
        CPPUNIT_ASSERT(r.form.empty());
    }

    void get_copies_client_headers() {
        Body body;
        auth::CgiEnv env = get_env("/");
        env["HTTP_USER_AGENT"] = std::string(2000, 'u');
        env["HTTP_ORIGIN"] = "https://example.com";
        env["HTTP_SEC_FETCH_SITE"] = "same-origin";
        env["HTTP_X_FORWARDED_FOR"] = "203.0.113.5, 10.0.0.2";
        auth::Request r = auth::parse_request(env, body.reader(), "");
        CPPUNIT_ASSERT_EQUAL(std::string("192.0.2.7"), r.remote_addr);  // TRUSTED_PROXIES is applied by handle()
        CPPUNIT_ASSERT_EQUAL(std::string("203.0.113.5, 10.0.0.2"), r.forwarded_for);
        CPPUNIT_ASSERT_EQUAL(std::size_t(512), r.user_agent.size());
        CPPUNIT_ASSERT_EQUAL(std::string("https://example.com"), r.origin);
        CPPUNIT_ASSERT_EQUAL(std::string("same-origin"), r.sec_fetch_site);
    }

    void get_does_not_read_the_body() {
        Body body{"email=a"};
        auth::CgiEnv env = get_env("/login");
        env["CONTENT_LENGTH"] = "7";
        auth::Request r = auth::parse_request(env, body.reader(), "");
        CPPUNIT_ASSERT_EQUAL(0, body.calls);
        CPPUNIT_ASSERT(r.form.empty());
    }

    void semicolon_does_not_split_query_pairs() {
        Body body;
        auth::Request r = auth::parse_request(get_env("/", "a=1;b=2"), body.reader(), "");
        CPPUNIT_ASSERT_EQUAL(std::string("1;b=2"), r.param("a"));
        CPPUNIT_ASSERT(!r.query.count("b"));
    }

    void post_parses_an_urlencoded_body() {
        auth::Request r = parse_post("email=a%40x.test&password=pa+ss%20w%C3%B6rd&csrf_token=t");
        CPPUNIT_ASSERT_EQUAL(std::string("POST"), r.method);
        CPPUNIT_ASSERT_EQUAL(std::string("a@x.test"), r.field("email"));
        CPPUNIT_ASSERT_EQUAL(std::string("pa ss wörd"), r.field("password"));
        CPPUNIT_ASSERT_EQUAL(std::string("t"), r.field("csrf_token"));
        CPPUNIT_ASSERT_EQUAL(std::size_t(3), r.form.size());
    }

    void post_content_type_is_case_insensitive() {
        auth::Request r = parse_post("a=1", "Application/X-WWW-Form-URLEncoded; charset=UTF-8");
        CPPUNIT_ASSERT_EQUAL(std::string("1"), r.field("a"));
    }

    void post_with_empty_body() {
        Body body;
        auth::CgiEnv env = post_env("/logout", "", "");
        auth::Request r = auth::parse_request(env, body.reader(), "");
        CPPUNIT_ASSERT(r.form.empty());
        CPPUNIT_ASSERT_EQUAL(0, body.calls);
    }

    void missing_content_length_is_411_without_reading() {
        Body body{"a=1"};
        auth::CgiEnv env = post_env("/login", "a=1");
        env.erase("CONTENT_LENGTH");
        CPPUNIT_ASSERT_EQUAL(411, status_of(env, body));
        CPPUNIT_ASSERT_EQUAL(0, body.calls);
    }

    void malformed_content_length_is_400_without_reading() {
        for (const char* length : {"12abc", "-1", "+3", " 3", "0x10", "1e3"}) {
            Body body{"a=1"};
            auth::CgiEnv env = post_env("/login", "a=1");
            env["CONTENT_LENGTH"] = length;
            CPPUNIT_ASSERT_EQUAL_MESSAGE(length, 400, status_of(env, body));
            CPPUNIT_ASSERT_EQUAL_MESSAGE(length, 0, body.calls);
        }
    }

    void huge_content_length_is_413_without_reading() {
        for (const char* length : {"18446744073709551616", "18446744073709551615", "99999999999999999999999999", "104857600",
                                   "65537"}) {
            Body body{"a=1"};
            auth::CgiEnv env = post_env("/login", "a=1");
            env["CONTENT_LENGTH"] = length;
            CPPUNIT_ASSERT_EQUAL_MESSAGE(length, 413, status_of(env, body));
            CPPUNIT_ASSERT_EQUAL_MESSAGE(length, 0, body.calls);
        }
        // A page may set a smaller limit.
        Body body{"a=1"};
        auth::CgiEnv env = post_env("/login", "a=1");
        env["CONTENT_LENGTH"] = "16385";
        CPPUNIT_ASSERT_EQUAL(413, status_of(env, body, "", 16 * 1024));
        CPPUNIT_ASSERT_EQUAL(0, body.calls);
    }

    void body_of_exactly_the_limit_is_accepted() {
        std::string text = "a=" + std::string(auth::kDefaultMaxBody - 2, 'x');
        auth::Request r = parse_post(text);
        CPPUNIT_ASSERT_EQUAL(auth::kDefaultMaxBody - 2, r.field("a").size());
    }

    void body_shorter_than_content_length_is_400() {
        Body body{"a=1"};
        auth::CgiEnv env = post_env("/login", "a=1");
        env["CONTENT_LENGTH"] = "500";
        CPPUNIT_ASSERT_EQUAL(400, status_of(env, body));
        CPPUNIT_ASSERT_EQUAL(1, body.calls);
    }

    void bad_percent_escapes_are_400() {
        for (const char* bad : {"a=%zz", "a=%", "a=%4", "a=1%", "%=1", "a=%G0", "a%2=1"})
            CPPUNIT_ASSERT_EQUAL_MESSAGE(bad, 400, post_status(bad));
    }

    void invalid_utf8_and_nul_are_400() {
        for (const char* bad : {"a=%C0%AF", "a=%ED%A0%80", "a=%E2%82", "a=%FF", "a=ok%00ok", "%00=x", "a=\xC0\xAF", "a=\xFF"})
            CPPUNIT_ASSERT_EQUAL_MESSAGE(bad, 400, post_status(bad));
        CPPUNIT_ASSERT_EQUAL(0, post_status("a=%F0%9F%90%8E"));  // 🐎 is fine
    }

    void duplicate_fields_are_400() {
        CPPUNIT_ASSERT_EQUAL(400, post_status("email=a&email=b"));
        CPPUNIT_ASSERT_EQUAL(400, post_status("email=a&email=a"));
        CPPUNIT_ASSERT_EQUAL(400, post_status("e%6Dail=a&email=b"));  // the same name, encoded
    }

    void too_many_fields_are_400() {
        std::string hundred, more;
        for (std::size_t i = 0; i < auth::kMaxFields; ++i) hundred += (i ? "&f" : "f") + std::to_string(i) + "=x";
        CPPUNIT_ASSERT_EQUAL(std::size_t(100), parse_post(hundred).form.size());
        CPPUNIT_ASSERT_EQUAL(400, post_status(hundred + "&one=more"));
        for (int i = 0; i < 1000; ++i) more += "&g" + std::to_string(i) + "=1";  // well under 64 KiB
        CPPUNIT_ASSERT_EQUAL(400, post_status(more.substr(1)));
    }

    void empty_field_name_is_400() {
        CPPUNIT_ASSERT_EQUAL(400, post_status("=x"));
        CPPUNIT_ASSERT_EQUAL(400, post_status("a=1&=2"));
    }

    void bad_query_string_is_400_too() {
        for (const char* bad : {"next=%zz", "a=1&a=2", "x=%C0%AF", "x=%00"}) {
            Body body;
            CPPUNIT_ASSERT_EQUAL_MESSAGE(bad, 400, status_of(get_env("/login", bad), body));
        }
    }

    void form_fields_come_only_from_the_body() {
        Body body{"email=a%40x.test"};
        auth::CgiEnv env = post_env("/login?csrf_token=from-url", body.data);
        env["QUERY_STRING"] = "csrf_token=from-url";
        auth::Request r = auth::parse_request(env, body.reader(), "");
        CPPUNIT_ASSERT(!r.form.count("csrf_token"));
        CPPUNIT_ASSERT_EQUAL(std::string(), r.field("csrf_token"));
        CPPUNIT_ASSERT_EQUAL(std::string("from-url"), r.param("csrf_token"));
        CPPUNIT_ASSERT_EQUAL(std::string("a@x.test"), r.field("email"));
        CPPUNIT_ASSERT_EQUAL(std::string("/login"), r.path);
    }

    void other_content_types_are_415() {
        CPPUNIT_ASSERT_EQUAL(415, post_status("a=1", "text/plain"));
        CPPUNIT_ASSERT_EQUAL(415, post_status("{\"a\":1}", "application/json"));
        CPPUNIT_ASSERT_EQUAL(415, post_status("a=1", ""));  // a body needs a type
        CPPUNIT_ASSERT_EQUAL(415, post_status("a=1", "application/x-www-form-urlencodedX"));
    }

    void multipart_fields_and_file() {
        auth::Request r = parse_post(multipart("XyZ123"), "multipart/form-data; boundary=XyZ123");
        CPPUNIT_ASSERT_EQUAL(std::string("Ada Lovelace"), r.field("name"));
        CPPUNIT_ASSERT_EQUAL(std::string("tok123"), r.field("csrf_token"));
        CPPUNIT_ASSERT(!r.form.count("picture"));
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), r.files.size());
        const auth::UploadedFile& f = r.files.at("picture");
        CPPUNIT_ASSERT_EQUAL(std::string("me.png"), f.filename);
        CPPUNIT_ASSERT_EQUAL(std::string("image/png"), f.content_type);
        CPPUNIT_ASSERT_EQUAL(std::string("PNG\x01\x02\x03" "data"), f.data);
    }

    void multipart_with_quoted_boundary() {
        auth::Request r = parse_post(multipart("XyZ123"), "multipart/form-data; boundary=\"XyZ123\"");
        CPPUNIT_ASSERT_EQUAL(std::string("Ada Lovelace"), r.field("name"));
        CPPUNIT_ASSERT_EQUAL(std::string("tok123"), r.field("csrf_token"));
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), r.files.size());
    }

    void multipart_with_wrong_or_missing_boundary_is_400() {
        CPPUNIT_ASSERT_EQUAL(400, post_status(multipart("XyZ123"), "multipart/form-data; boundary=Other"));
        CPPUNIT_ASSERT_EQUAL(400, post_status(multipart("XyZ123"), "multipart/form-data"));
        CPPUNIT_ASSERT_EQUAL(400, post_status(multipart("XyZ123"), "multipart/form-data; boundary=\"XyZ123"));
        CPPUNIT_ASSERT_EQUAL(400, post_status("not multipart at all", "multipart/form-data; boundary=XyZ123"));
    }

    void multipart_duplicate_or_bad_field_is_400() {
        std::string b = "--B\r\n";
        std::string twice = b + "Content-Disposition: form-data; name=\"email\"\r\n\r\na@x.test\r\n" + b +
                            "Content-Disposition: form-data; name=\"email\"\r\n\r\nb@x.test\r\n--B--\r\n";
        CPPUNIT_ASSERT_EQUAL(400, post_status(twice, "multipart/form-data; boundary=B"));
        std::string bad_utf8 = b + "Content-Disposition: form-data; name=\"name\"\r\n\r\n\xC0\xAF\r\n--B--\r\n";
        CPPUNIT_ASSERT_EQUAL(400, post_status(bad_utf8, "multipart/form-data; boundary=B"));
    }

    void path_is_stripped_of_base_path() {
        const std::pair<const char*, const char*> cases[] = {
            {"/auth/login", "/login"}, {"/auth/profile/password", "/profile/password"}, {"/auth", "/"}, {"/auth/", "/"},
            {"/auth/login?next=%2F", "/login"}};
        for (const auto& [uri, path] : cases) {
            Body body;
            auth::CgiEnv env = get_env(uri);
            auth::Request r = auth::parse_request(env, body.reader(), "/auth");
            CPPUNIT_ASSERT_EQUAL_MESSAGE(uri, std::string(path), r.path);
        }
        Body body;
        CPPUNIT_ASSERT_EQUAL(std::string("/login"), auth::parse_request(get_env("/login"), body.reader(), "").path);
    }

    void path_outside_base_path_is_404() {
        for (const char* uri : {"/login", "/authx/login", "/aut", "/", "/other/auth/login"}) {
            Body body;
            CPPUNIT_ASSERT_EQUAL_MESSAGE(uri, 404, status_of(get_env(uri), body, "/auth"));
        }
    }

    void path_from_script_name_and_path_info() {
        Body body;
        auth::CgiEnv env = {{"REQUEST_METHOD", "GET"}, {"SCRIPT_NAME", "/auth/profile"}, {"PATH_INFO", "/password"}};
        CPPUNIT_ASSERT_EQUAL(std::string("/profile/password"), auth::parse_request(env, body.reader(), "/auth").path);
    }

    void bad_request_method_is_400() {
        for (const char* method : {"", "get", "G ET", "POST\r\n", "VERYLONGMETHODNAME"}) {
            Body body;
            auth::CgiEnv env = get_env("/");
            env["REQUEST_METHOD"] = method;
            CPPUNIT_ASSERT_EQUAL_MESSAGE(method, 400, status_of(env, body));
        }
    }

    void overlong_query_string_is_414() {
        Body body;
        CPPUNIT_ASSERT_EQUAL(414, status_of(get_env("/", "q=" + std::string(5000, 'x')), body));
    }

    void parse_cookies_trims_and_unquotes() {
        auto c = auth::parse_cookies("  sid = abc ;csrf=def;  flash=\"saved\"  ");
        CPPUNIT_ASSERT_EQUAL(std::size_t(3), c.size());
        CPPUNIT_ASSERT_EQUAL(std::string("abc"), c["sid"]);
        CPPUNIT_ASSERT_EQUAL(std::string("def"), c["csrf"]);
        CPPUNIT_ASSERT_EQUAL(std::string("saved"), c["flash"]);
        CPPUNIT_ASSERT_EQUAL(std::string("a=b"), auth::parse_cookies("x=a=b")["x"]);
    }

    void parse_cookies_drops_a_name_sent_twice() {
        // Cookie tossing: a second "sid" from a sibling domain must not pick the session.
        auto c = auth::parse_cookies("sid=real; theme=dark; sid=tossed");
        CPPUNIT_ASSERT(!c.count("sid"));
        CPPUNIT_ASSERT_EQUAL(std::string("dark"), c["theme"]);
        c = auth::parse_cookies("sid=same; sid=same");
        CPPUNIT_ASSERT(!c.count("sid"));
    }

    void parse_cookies_ignores_junk() {
        auto c = auth::parse_cookies(";;; =novalue; noequals; ==; \x01\x02; ok=1; ;");
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), c.size());
        CPPUNIT_ASSERT_EQUAL(std::string("1"), c["ok"]);
        CPPUNIT_ASSERT(!c.count(""));
        CPPUNIT_ASSERT(auth::parse_cookies("").empty());
        CPPUNIT_ASSERT(auth::parse_cookies(std::string(10000, ';')).empty());
    }

    void cookie_header_over_8_kib_is_400() {
        Body body;
        auth::CgiEnv env = get_env("/");
        env["HTTP_COOKIE"] = "big=" + std::string(8192 - 4, 'x');
        CPPUNIT_ASSERT_EQUAL(0, status_of(env, body));
        env["HTTP_COOKIE"] += "x";
        CPPUNIT_ASSERT_EQUAL(400, status_of(env, body));
        env["HTTP_COOKIE"] = std::string(64 * 1024, 'c');
        CPPUNIT_ASSERT_EQUAL(400, status_of(env, body));
    }

    void parse_urlencoded_values() {
        auto f = auth::parse_urlencoded("a=1&b=&c&d=x%3Dy%26z&&e=%2B+");
        CPPUNIT_ASSERT_EQUAL(std::string("1"), f["a"]);
        CPPUNIT_ASSERT_EQUAL(std::string(), f["b"]);
        CPPUNIT_ASSERT_EQUAL(std::string(), f["c"]);
        CPPUNIT_ASSERT_EQUAL(std::string("x=y&z"), f["d"]);
        CPPUNIT_ASSERT_EQUAL(std::string("+ "), f["e"]);
        CPPUNIT_ASSERT_EQUAL(std::size_t(5), f.size());
        CPPUNIT_ASSERT(auth::parse_urlencoded("").empty());
    }

    // CgiVariables keeps the variables parse_request reads, and only those
    // (a name near one of them is another name).
    void only_the_variables_parse_request_reads_are_kept() {
        std::vector<std::string> lines;
        for (const char* name : {"REQUEST_METHOD", "REQUEST_URI", "SCRIPT_NAME", "PATH_INFO", "REMOTE_ADDR", "HTTP_USER_AGENT",
                                 "HTTP_ORIGIN", "HTTP_COOKIE", "QUERY_STRING", "CONTENT_LENGTH", "CONTENT_TYPE",
                                 "HTTP_SEC_FETCH_SITE", "HTTP_X_FORWARDED_FOR", "REMOTE_USER", "AUTH_TYPE"})
            lines.push_back(std::string(name) + "=v-" + name);
        std::vector<const char*> envp;
        for (const auto& line : lines) envp.push_back(line.c_str());
        envp.push_back(nullptr);
        auth::CgiVariables var(envp.data());
        for (const auto& line : lines) {
            std::string name = line.substr(0, line.find('='));
            CPPUNIT_ASSERT_EQUAL_MESSAGE(name, "v-" + name, std::string(var.get(name)));
        }
        for (const char* name : {"HTTP_ACCEPT", "HTTP_HOST", "SERVER_NAME", "DOCUMENT_ROOT", "REQUEST", "HTTP_COOKIE2", ""})
            CPPUNIT_ASSERT_MESSAGE(name, var.get(name).empty());
        const char* head[] = {"REQUEST_METHOD=HEAD", nullptr};
        CPPUNIT_ASSERT(auth::CgiVariables(head).head() && !var.head());
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(RequestParserTest);
