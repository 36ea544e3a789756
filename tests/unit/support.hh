// Test helpers: a movable clock, a temporary directory, an App over a fresh
// SQLite file with cheap Argon2 settings, and requests built by hand.
#pragma once
#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "store/sqlite/db.hh"
#include "web/app.hh"
#include "core/clock.hh"
#include "core/config.hh"
#include "web/http.hh"
#include "mail/mailer.hh"

namespace auth {
class Db;
}

namespace test {

// A mailer that remembers what it was asked to send; can be told to fail.
class RecordingMailer final : public auth::Mailer {
public:
    struct Sent {
        std::string from, to, message;
    };
    void send(const std::string& from, const std::string& to, const std::string& rfc5322) override;
    std::vector<Sent> sent;
    bool fail = false;     // as if the server were down (MailError, Scope::Server)
    std::string refuse;    // this recipient is refused for good (Scope::Message, 5xx)
    std::function<void()> during_send;  // runs inside send(), before it records
};

// A statement on a test app's database, SQLite or PostgreSQL (the same
// `?` placeholders on both), to look at tables directly.
class Query {
public:
    struct Impl {
        virtual ~Impl() = default;
        virtual void bind(int index, std::int64_t value) = 0;
        virtual void bind(int index, std::string_view text) = 0;
        virtual void bind_blob(int index, std::string_view bytes) = 0;
        virtual bool step() = 0;
        virtual std::int64_t int64(int column) const = 0;
        virtual std::string text(int column) const = 0;
        virtual bool is_null(int column) const = 0;
    };
    explicit Query(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
    Query& bind(int index, std::int64_t value) { return impl_->bind(index, value), *this; }
    Query& bind(int index, std::string_view text) { return impl_->bind(index, text), *this; }
    Query& bind_blob(int index, std::string_view bytes) { return impl_->bind_blob(index, bytes), *this; }
    bool step() { return impl_->step(); }
    void exec() { impl_->step(); }
    std::int64_t int64(int column) const { return impl_->int64(column); }
    std::string text(int column) const { return impl_->text(column); }
    bool is_null(int column) const { return impl_->is_null(column); }

private:
    std::unique_ptr<Impl> impl_;
};

class Database {
public:
    explicit Database(auth::App& app) : app_(app) {}
    Query query(std::string_view sql);
    // The SQLite connection itself (tests of SQLite's own behaviour; they
    // are left out of the PostgreSQL run, see main.cc).
    auth::Db& sqlite();

private:
    auth::App& app_;
};

inline Database db(auth::App& app) { return Database(app); }

// Whether the tests run on PostgreSQL (TEST_DATABASE_URL set): each test
// app then gets a schema of its own in that database.
bool on_postgres();
// Counts straight from the tables: accounts, one account's session rows,
// mails waiting in the outbox.
std::int64_t user_count(auth::App& app);
std::int64_t session_count(auth::App& app, std::int64_t user_id);
std::int64_t queued_mails(auth::App& app);
// URL-safe base64 without padding, decoded (nullopt if it is not that).
std::optional<std::string> base64url_decode(std::string_view text);

class ManualClock final : public auth::Clock {
public:
    explicit ManualClock(std::int64_t start = 1'800'000'000) : now_(start) {}
    std::int64_t now() const override { return now_; }
    void advance(std::int64_t seconds) { now_ += seconds; }
    void set(std::int64_t t) { now_ = t; }

private:
    std::int64_t now_;
};

// A fresh directory under $TMPDIR, removed with everything in it.
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::string& path() const { return path_; }
    std::string file(const std::string& name) const { return path_ + "/" + name; }

private:
    std::string path_;
};

// The source tree (templates/, data/).
std::string source_dir();

// A valid Config for tests: templates and data from the source tree, the
// database in `dir`, Argon2 at its minimum cost so tests run fast.
auth::Config test_config(const TempDir& dir, const std::string& base_url = "http://127.0.0.1:8080");

// An App over test_config() with a ManualClock the test can move.
// `tweak` may change the Config before the App is made.
struct TestApp {
    explicit TestApp(const std::string& base_url = "http://127.0.0.1:8080",
                     const std::function<void(auth::Config&)>& tweak = {});
    TempDir dir;
    ManualClock* clock;              // owned by app
    std::unique_ptr<test::RecordingMailer> mail_sink = std::make_unique<test::RecordingMailer>();
    test::RecordingMailer* mailer = mail_sink.get();  // what a delivery run would have sent
    std::unique_ptr<auth::App> app;
    // Sends what the outbox holds through `mailer`, as sessionauth-deliver
    // would; returns how many.
    int deliver() { return app->outbox.deliver_due(*mailer); }
};

// Requests as a browser would send them.
auth::Request get(const std::string& path, const std::map<std::string, std::string>& query = {});
auth::Request post(const std::string& path, const std::map<std::string, std::string>& form);

// The value of a cookie set by a response ("" if not set), and whether it
// was set at all.
std::string set_cookie_value(const auth::Response& response, const std::string& name);
bool sets_cookie(const auth::Response& response, const std::string& name);
// The full Set-Cookie header for a cookie name ("" if none).
std::string set_cookie_header(const auth::Response& response, const std::string& name);

// A browser: keeps cookies between requests and fills in csrf_token from
// the last page it saw.
class Browser {
public:
    explicit Browser(auth::App& app) : app_(app) {}
    using Page = auth::Response (*)(const auth::Request&, auth::App&);

    auth::Response get(Page page, const std::string& path, const std::map<std::string, std::string>& query = {});
    // POSTs with the csrf_token of the last page seen (unless the form has one).
    auth::Response post(Page page, const std::string& path, std::map<std::string, std::string> form);

    std::map<std::string, std::string>& cookies() { return cookies_; }
    const std::string& last_csrf_token() const { return csrf_; }
    // REMOTE_USER as the web server's authentication would set it ("" for none).
    std::string remote_user;
    auth::App& app() { return app_; }

private:
    auth::Response send(Page page, auth::Request request);
    auth::App& app_;
    std::map<std::string, std::string> cookies_;
    std::string csrf_;
};

// The csrf_token value in a page body ("" if none).
std::string csrf_token_in(const std::string& body);

// Registers an account directly through the stores; returns its id.
std::int64_t make_user(auth::App& app, const std::string& email, const std::string& password,
                       const std::string& name = "Test Person");

// A password the policy accepts.
inline const char* const kGoodPassword = "correct horse battery staple";
// A SECRET_KEY that passes make_config's rule (64 hex digits, as openssl rand -hex 32 makes).
inline const char* const kSecretKey = "5f0c2d9e8a41b7c3e6d2f90a1b4c7e38d5a2f6b9c0e3d7a1f4b8c2e5d9a0b3c6";

// ---- Helpers for the page tests (test_page_*.cc) ----

// Requests built as `browser` would send them (its cookies; for a POST the
// csrf_token of the last page it saw unless `form` has one), to be changed
// (Origin, Sec-Fetch-Site, extra cookies) before calling a page directly.
auth::Request get_from(Browser& browser, const std::string& path, const std::map<std::string, std::string>& query = {});
auth::Request post_from(Browser& browser, const std::string& path, std::map<std::string, std::string> form);

// GET /login, then POST the credentials (and `next` if not empty); returns
// the answer to the POST.
auth::Response log_in(Browser& browser, const std::string& email, const std::string& password,
                      const std::string& next = "");

// The names of the cookies a response sets, and its headers with cookie
// values blanked: to compare two answers that must not differ.
std::set<std::string> cookie_names(const auth::Response& r);
std::vector<std::pair<std::string, std::string>> comparable_headers(const auth::Response& r);

// Whether `needle` occurs in `haystack`.
inline bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

// An account ("Ada Lovelace", `email`, kGoodPassword) on an app of its own,
// logged in with browser `b`, which has seen its profile page once.
struct LoggedIn {
    TestApp t;
    std::int64_t id;
    Browser b;
    explicit LoggedIn(const std::string& email);
    auth::User user();
};

// A header's value, "" if absent.
std::string header_value(const auth::Response& response, const std::string& name);

// `body` with every occurrence of `text` replaced by `by`.
std::string replace_all(std::string body, const std::string& text, const std::string& by);

// `body` with its csrf_token value replaced by a fixed marker, so that two
// renderings of one form can be compared.
std::string without_csrf_token(const std::string& body);

// Rows in login_failures for an email (lowercased as the throttle keeps it).
std::int64_t login_failures_for(auth::App& app, const std::string& email);
// Rows in the sessions table, all users.
std::int64_t session_rows(auth::App& app);

// ---- Helpers for the reset, outbox and mail tests ----

// Captures what is written to standard error (the log) while it lives.
class CaptureStderr {
public:
    CaptureStderr();
    ~CaptureStderr();
    CaptureStderr(const CaptureStderr&) = delete;
    CaptureStderr& operator=(const CaptureStderr&) = delete;
    // Everything written to stderr since the capture began.
    std::string text() const;

private:
    int saved_fd_ = -1;
    std::FILE* file_ = nullptr;
};

// A mail as a reader sees it: the headers of the message and of every MIME
// part, and each part's body decoded (quoted-printable, base64), so that a
// test can look for a link whatever transfer encoding build_message chose.
std::string mail_decoded(const std::string& rfc5322);
// The URL-safe token right after the first `prefix` (a link up to
// "?token=") in a mail's decoded text; "" if there is none.
std::string token_after(const std::string& rfc5322, const std::string& prefix);

// ---- Helpers for the passkey tests ----

// While one lives, load_libcrypto() fails as on a host without
// libcrypto.so.3. The unit tests link libcrypto and define their own
// load_libcrypto() (support.cc), which is used before libcrypto_linked.cc's
// in libwebauthn.a as libcrypto.cc's is in auth-passkey; it does nothing
// unless one of these lives.
class WithoutLibcrypto {
public:
    WithoutLibcrypto();
    ~WithoutLibcrypto();
    WithoutLibcrypto(const WithoutLibcrypto&) = delete;
    WithoutLibcrypto& operator=(const WithoutLibcrypto&) = delete;
};

// ---- Helpers for the picture tests ----

// The bytes of tests/data/pictures/<name> (real PNG, JPEG and WebP files);
// throws if it is missing.
std::string picture_fixture(const std::string& name);

}  // namespace test
