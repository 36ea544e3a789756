#include "support.hh"

#include "account/events.hh"

#include <cppunit/TestAssert.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>

#include <unistd.h>

#include <sodium.h>

#include "store/sqlite/db.hh"
#include "store/sqlite/stores.hh"
#ifdef HAVE_POSTGRESQL
#include "store/postgres/stores.hh"
#endif
#include "core/validate.hh"
#include "pages/pages.hh"
#include "webauthn/libcrypto.hh"

namespace test {

void RecordingMailer::send(const std::string& from, const std::string& to, const std::string& rfc5322) {
    if (during_send) during_send();
    if (fail) throw auth::MailError("mail: RecordingMailer told to fail");
    if (!refuse.empty() && to == refuse)
        throw auth::MailError("mail: RecordingMailer: 550 no such user", auth::MailError::Scope::Message, true);
    sent.push_back({from, to, rfc5322});
}

namespace {

template <class Statement>
class QueryOf final : public Query::Impl {
public:
    template <class Conn>
    QueryOf(Conn& conn, std::string_view sql) : q_(conn.query(sql)) {}
    void bind(int index, std::int64_t value) override { q_.bind(index, value); }
    void bind(int index, std::string_view text) override { q_.bind(index, text); }
    void bind_blob(int index, std::string_view bytes) override { q_.bind_blob(index, bytes); }
    bool step() override { return q_.step(); }
    std::int64_t int64(int column) const override { return q_.int64(column); }
    std::string text(int column) const override { return q_.text(column); }
    bool is_null(int column) const override { return q_.is_null(column); }

private:
    Statement q_;
};

const char* postgres_url() {
    const char* url = std::getenv("TEST_DATABASE_URL");
    return url && *url ? url : nullptr;
}

}  // namespace

bool on_postgres() { return postgres_url() != nullptr; }

Query Database::query(std::string_view sql) {
#ifdef HAVE_POSTGRESQL
    if (auto* pg = dynamic_cast<auth::PgStore*>(&app_.store()))
        return Query(std::make_unique<QueryOf<auth::PgQuery>>(pg->db(), sql));
#endif
    return Query(std::make_unique<QueryOf<auth::Statement>>(sqlite(), sql));
}

auth::Db& Database::sqlite() { return dynamic_cast<auth::SqliteStore&>(app_.store()).db(); }

namespace {
std::int64_t count_of(auth::App& app, const char* sql, std::optional<std::int64_t> id = std::nullopt) {
    auto q = db(app).query(sql);
    if (id) q.bind(1, *id);
    q.step();
    return q.int64(0);
}
}  // namespace

std::int64_t user_count(auth::App& app) { return count_of(app, "SELECT count(*) FROM users"); }
std::int64_t session_count(auth::App& app, std::int64_t user_id) {
    return count_of(app, "SELECT count(*) FROM sessions WHERE user_id = ?", user_id);
}
std::int64_t queued_mails(auth::App& app) { return count_of(app, "SELECT count(*) FROM outbox"); }

std::optional<std::string> base64url_decode(std::string_view text) {
    std::string out(text.size() * 3 / 4 + 3, '\0');
    std::size_t len = 0;
    const char* end = nullptr;
    if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(), text.size(), nullptr, &len,
                          &end, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
        return std::nullopt;
    if (end != text.data() + text.size()) return std::nullopt;
    out.resize(len);
    return out;
}



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
        {"SECRET_KEY", kSecretKey},
        {"BASE_URL", base_url},
        {"MAIL_SERVER", "127.0.0.1"},
        {"MAIL_PORT", "1025"},
        {"MAIL_FROM", "noreply@sessionauth.test"},
        {"MAIL_STARTTLS", "False"},
        // Unit tests start no delivery run; they send with deliver().
        {"MAIL_DELIVERY", "cron"},
        {"DATABASE_PATH", dir.file("test.sqlite")},
        {"TEMPLATE_DIR", source_dir() + "/templates"},
        {"DATA_DIR", source_dir() + "/data"},
    };
    auth::Config config = auth::make_config(file, [](const std::string&) { return std::optional<std::string>(); });
    // The cheapest Argon2id for speed: below the OWASP minimum, which
    // make_config refuses from any env file or environment, so it is set on
    // the struct here, where only tests can.
    config.argon2_opslimit = 1;
    config.argon2_memlimit_kib = 8;
    if (const char* url = postgres_url()) {
        // A schema of its own, named after the temporary directory, made
        // here and first on the search path: a fresh, empty database for
        // each test app (the throwaway cluster goes at the end of the run).
        std::string schema = "t_" + dir.path().substr(dir.path().rfind('-') + 1);
        for (char& c : schema)
            if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
        std::transform(schema.begin(), schema.end(), schema.begin(), [](unsigned char c) { return std::tolower(c); });
#ifdef HAVE_POSTGRESQL
        auth::PgConn admin(auth::PgConnSettings{url, 5000, 5});
        admin.run("CREATE SCHEMA IF NOT EXISTS " + schema);
#endif
        config.database_url = std::string(url) + " options='-c search_path=" + schema + "'";
    }
    return config;
}

TestApp::TestApp(const std::string& base_url, const std::function<void(auth::Config&)>& tweak) {
    auth::Config config = test_config(dir, base_url);
    if (tweak) tweak(config);
    auto c = std::make_unique<ManualClock>();
    clock = c.get();
    app = std::make_unique<auth::App>(config, std::move(c));
    // Every page a unit test renders is also expanded by ctemplate in full,
    // and must be the same byte for byte (see FrozenPage).
    app->view.check_frozen_pages(true);
}

auth::Request get(const std::string& path, const std::map<std::string, std::string>& query) {
    auth::Request r;
    r.method = "GET";
    r.path = path;
    r.query = query;
    r.remote_addr = "127.0.0.1";
    r.user_agent = "unit-test";
    r.request_id = auth::new_request_id();  // as handle() makes one
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
    request.remote_user = remote_user;
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

std::set<std::string> cookie_names(const auth::Response& r) {
    std::set<std::string> names;
    for (const auto& [k, v] : r.headers)
        if (k == "Set-Cookie") names.insert(v.substr(0, v.find('=')));
    return names;
}

// Headers with cookie values blanked, to compare two answers.
std::vector<std::pair<std::string, std::string>> comparable_headers(const auth::Response& r) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& [k, v] : r.headers) {
        if (k == "Set-Cookie") {
            auto eq = v.find('='), semi = v.find(';');
            out.emplace_back(k, v.substr(0, eq + 1) + "VALUE" + (semi == std::string::npos ? "" : v.substr(semi)));
        } else {
            out.emplace_back(k, v);
        }
    }
    return out;
}

std::int64_t make_user(auth::App& app, const std::string& email, const std::string& password, const std::string& name) {
    auto id = app.store().users().create(email, name, app.hasher.hash(password), app.clock().now());
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

LoggedIn::LoggedIn(const std::string& email)
    : id(make_user(*t.app, email, kGoodPassword, "Ada Lovelace")), b(*t.app) {
    CPPUNIT_ASSERT_EQUAL(303, log_in(b, email, kGoodPassword).status);
    CPPUNIT_ASSERT_EQUAL(200, b.get(pages::profile, "/profile").status);
}

auth::User LoggedIn::user() { return *t.app->store().users().find_by_id(id); }

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
    auto q = test::db(app).query("SELECT count(*) FROM login_failures WHERE email = ?");
    q.bind(1, auth::ascii_lower(email));
    q.step();
    return q.int64(0);
}

std::int64_t session_rows(auth::App& app) {
    auto q = test::db(app).query("SELECT count(*) FROM sessions");
    q.step();
    return q.int64(0);
}

// ---- Helpers for the reset, outbox and mail tests ----

CaptureStderr::CaptureStderr() {
    std::fflush(stderr);
    file_ = std::tmpfile();
    if (!file_) throw std::runtime_error("CaptureStderr: tmpfile failed");
    saved_fd_ = ::dup(2);
    if (saved_fd_ < 0 || ::dup2(::fileno(file_), 2) < 0) {
        std::fclose(file_);
        throw std::runtime_error("CaptureStderr: dup failed");
    }
}

CaptureStderr::~CaptureStderr() {
    std::fflush(stderr);
    ::dup2(saved_fd_, 2);
    ::close(saved_fd_);
    std::fclose(file_);
}

std::string CaptureStderr::text() const {
    std::fflush(stderr);
    std::string out;
    char buf[4096];
    off_t offset = 0;
    for (ssize_t n; (n = ::pread(::fileno(file_), buf, sizeof buf, offset)) > 0; offset += n) out.append(buf, static_cast<std::size_t>(n));
    return out;
}

namespace {

std::string lowercase(std::string s) {
    for (char& c : s)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return s;
}

// The header block and the body of a MIME entity.
void split_entity(const std::string& entity, std::string& head, std::string& body) {
    std::size_t crlf = entity.find("\r\n\r\n"), lf = entity.find("\n\n");
    if (entity.compare(0, 2, "\r\n") == 0 || entity.compare(0, 1, "\n") == 0) {
        head.clear();
        body = entity.substr(entity[0] == '\r' ? 2 : 1);
    } else if (crlf != std::string::npos && (lf == std::string::npos || crlf < lf)) {
        head = entity.substr(0, crlf);
        body = entity.substr(crlf + 4);
    } else if (lf != std::string::npos) {
        head = entity.substr(0, lf);
        body = entity.substr(lf + 2);
    } else {
        head = entity;
        body.clear();
    }
}

// The unfolded value of a header ("" if absent).
std::string header_of(const std::string& head, const std::string& name) {
    std::string unfolded;
    for (std::size_t i = 0; i < head.size(); ++i) {
        if (head[i] == '\r') continue;
        if (head[i] == '\n' && i + 1 < head.size() && (head[i + 1] == ' ' || head[i + 1] == '\t')) continue;
        unfolded += head[i];
    }
    std::string want = lowercase(name) + ":";
    std::size_t start = 0;
    while (start <= unfolded.size()) {
        std::size_t end = unfolded.find('\n', start);
        if (end == std::string::npos) end = unfolded.size();
        std::string line = unfolded.substr(start, end - start);
        if (lowercase(line.substr(0, want.size())) == want) {
            std::string v = line.substr(want.size());
            while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.erase(0, 1);
            return v;
        }
        start = end + 1;
    }
    return "";
}

// A parameter of a header value: boundary="x" or boundary=x.
std::string parameter_of(const std::string& value, const std::string& name) {
    std::string low = lowercase(value);
    std::size_t p = low.find(lowercase(name) + "=");
    if (p == std::string::npos) return "";
    p += name.size() + 1;
    if (p < value.size() && value[p] == '"') {
        std::size_t q = value.find('"', p + 1);
        return value.substr(p + 1, q == std::string::npos ? std::string::npos : q - p - 1);
    }
    std::size_t q = value.find_first_of("; \t", p);
    return value.substr(p, q == std::string::npos ? std::string::npos : q - p);
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

std::string decode_quoted_printable(const std::string& in) {
    std::string out;
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (in[i] != '=') {
            out += in[i];
        } else if (in.compare(i + 1, 2, "\r\n") == 0) {
            i += 2;
        } else if (in.compare(i + 1, 1, "\n") == 0) {
            i += 1;
        } else if (i + 2 < in.size() && hex_value(in[i + 1]) >= 0 && hex_value(in[i + 2]) >= 0) {
            out += static_cast<char>(hex_value(in[i + 1]) * 16 + hex_value(in[i + 2]));
            i += 2;
        } else {
            out += in[i];
        }
    }
    return out;
}

std::string decode_base64(const std::string& in) {
    static const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    unsigned bits = 0;
    int count = 0;
    for (char c : in) {
        std::size_t v = alphabet.find(c);
        if (c == '=') break;
        if (v == std::string::npos) continue;
        bits = (bits << 6) | static_cast<unsigned>(v);
        count += 6;
        if (count >= 8) {
            count -= 8;
            out += static_cast<char>((bits >> count) & 0xff);
        }
    }
    return out;
}

std::string decode_entity(const std::string& entity, int depth) {
    std::string head, body;
    split_entity(entity, head, body);
    std::string out = head + "\n\n";
    std::string type = header_of(head, "Content-Type");
    std::string boundary = parameter_of(type, "boundary");
    if (lowercase(type).compare(0, 10, "multipart/") == 0 && !boundary.empty() && depth < 8) {
        std::string delimiter = "--" + boundary;
        std::size_t p = body.find(delimiter);
        while (p != std::string::npos) {
            p += delimiter.size();
            if (body.compare(p, 2, "--") == 0) break;
            std::size_t line_end = body.find('\n', p);
            if (line_end == std::string::npos) break;
            std::size_t next = body.find(delimiter, line_end + 1);
            std::string part = body.substr(line_end + 1, next == std::string::npos ? std::string::npos : next - line_end - 1);
            out += decode_entity(part, depth + 1) + "\n";
            p = next;
        }
        return out;
    }
    std::string encoding = lowercase(header_of(head, "Content-Transfer-Encoding"));
    if (encoding == "quoted-printable")
        out += decode_quoted_printable(body);
    else if (encoding == "base64")
        out += decode_base64(body);
    else
        out += body;
    return out;
}

}  // namespace

std::string mail_decoded(const std::string& rfc5322) { return decode_entity(rfc5322, 0); }

std::string picture_fixture(const std::string& name) {
    std::ifstream in(source_dir() + "/tests/data/pictures/" + name, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (bytes.empty()) throw std::runtime_error("missing test picture " + name);
    return bytes;
}

}  // namespace test

namespace test {

std::string token_after(const std::string& rfc5322, const std::string& prefix) {
    std::string text = mail_decoded(rfc5322);
    auto p = text.find(prefix);
    if (p == std::string::npos) return "";
    p += prefix.size();
    auto end = p;
    auto url_safe = [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    };
    while (end < text.size() && url_safe(text[end])) ++end;
    return text.substr(p, end - p);
}

namespace {
bool g_without_libcrypto = false;
}

WithoutLibcrypto::WithoutLibcrypto() { g_without_libcrypto = true; }
WithoutLibcrypto::~WithoutLibcrypto() { g_without_libcrypto = false; }

}  // namespace test

// The unit tests' load_libcrypto() (support.hh says why): as libcrypto.cc's
// when dlopen finds no libcrypto.so.3.
void auth::webauthn::load_libcrypto() {
    if (test::g_without_libcrypto)
        throw LibcryptoError("passkeys: libcrypto cannot be loaded (install libssl3): libcrypto.so.3: cannot open "
                             "shared object file: No such file or directory");
}
