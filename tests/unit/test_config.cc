// Tests for config: required keys, validation naming the key, defaults, the
// environment over the file, and the parts of BASE_URL.
#include <cppunit/extensions/HelperMacros.h>

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <string>

#include "core/config.hh"
#include "support.hh"

namespace {

using Map = std::map<std::string, std::string>;

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// Keys made as the README says (openssl rand -hex 32, openssl rand -base64
// 32, the URL-safe alphabet), and a long phrase.
const char* const kRandomHex = "9c41e0d27b5fa83e16c94d0b72e5a18f3d6b09c2e7f41a5d8b30c6e92f17a4d5";
const char* const kRandomBase64 = "7Jq2+XbV0mK9sLr4/Tn1uYcP6wHd3ZgFeAo8iQkRjE0=";
const char* const kRandomBase64Url = "7Jq2-XbV0mK9sLr4_Tn1uYcP6wHd3ZgFeAo8iQkRjE0";
const char* const kRandomText = "wombat Kettle 47 violet orbit; Marigold drum, seventy quiet lanterns";

Map required_only() {
    return {
        {"SECRET_KEY", test::kSecretKey},
        {"BASE_URL", "https://example.com/auth/"},
        {"MAIL_SERVER", "smtp.example.com"},
        {"MAIL_PORT", "587"},
        {"MAIL_FROM", "noreply@example.com"},
    };
}

auth::Config make(const Map& file, const Map& environment = {}) {
    return auth::make_config(file, [&](const std::string& key) -> std::optional<std::string> {
        auto it = environment.find(key);
        if (it == environment.end()) return std::nullopt;
        return it->second;
    });
}

// The ConfigError message for `file` with `key` set to `value` ("" if none).
std::string error_with(const std::string& key, const std::string& value) {
    Map file = required_only();
    file[key] = value;
    try {
        make(file);
    } catch (const auth::ConfigError& e) {
        return e.what();
    }
    return "";
}

}  // namespace

class ConfigTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(ConfigTest);
    CPPUNIT_TEST(required_keys_alone_make_a_config);
    CPPUNIT_TEST(defaults_for_optional_keys);
    CPPUNIT_TEST(each_missing_required_key_is_named);
    CPPUNIT_TEST(each_empty_required_key_is_named);
    CPPUNIT_TEST(invalid_mail_port_is_named);
    CPPUNIT_TEST(base_url_needs_http_or_https_scheme);
    CPPUNIT_TEST(base_url_with_query_fragment_or_odd_path_is_refused);
    CPPUNIT_TEST(short_secret_key_is_refused);
    CPPUNIT_TEST(sample_and_low_entropy_secret_keys_are_refused);
    CPPUNIT_TEST(argon2_below_the_owasp_minimum_is_refused);
    CPPUNIT_TEST(timeouts_beyond_their_maxima_are_refused);
    CPPUNIT_TEST(base_url_is_normalised_like_an_origin);
    CPPUNIT_TEST(env_file_open_to_others_gets_a_warning);
    CPPUNIT_TEST(booleans_accept_python_spellings);
    CPPUNIT_TEST(invalid_boolean_is_named);
    CPPUNIT_TEST(starttls_defaults_off_when_ssl_tls_is_on);
    CPPUNIT_TEST(starttls_and_ssl_tls_together_are_refused);
    CPPUNIT_TEST(invalid_mail_from_and_server_are_named);
    CPPUNIT_TEST(integer_keys_are_parsed_and_range_checked);
    CPPUNIT_TEST(environment_overrides_file);
    CPPUNIT_TEST(environment_can_supply_required_keys);
    CPPUNIT_TEST(base_url_with_a_path);
    CPPUNIT_TEST(base_url_at_the_root);
    CPPUNIT_TEST(default_paths_follow_datadir_and_statedir);
    CPPUNIT_TEST(load_config_from_process_reads_auth_env);
    CPPUNIT_TEST(load_config_from_process_reports_a_bad_env_file);
    CPPUNIT_TEST(mail_delivery_keys);
    CPPUNIT_TEST(site_name_and_event_retention);
    CPPUNIT_TEST(admin_users);
    CPPUNIT_TEST(every_key_of_the_sample_is_known);
    CPPUNIT_TEST(database_url_and_its_timeouts);
    CPPUNIT_TEST_SUITE_END();

public:
    void required_keys_alone_make_a_config() {
        auth::Config c = make(required_only());
        CPPUNIT_ASSERT_EQUAL(std::string(test::kSecretKey), c.secret_key);
        CPPUNIT_ASSERT_EQUAL(std::string("smtp.example.com"), c.mail_server);
        CPPUNIT_ASSERT_EQUAL(587, c.mail_port);
        CPPUNIT_ASSERT_EQUAL(std::string("noreply@example.com"), c.mail_from);
        CPPUNIT_ASSERT_EQUAL(std::string(), c.mail_username);
        CPPUNIT_ASSERT_EQUAL(std::string(), c.mail_password);
    }

    void defaults_for_optional_keys() {
        auth::Config c = make(required_only());
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1800), c.session_idle_timeout);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(43200), c.session_absolute_timeout);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1800), c.reset_token_ttl);
        CPPUNIT_ASSERT_EQUAL(std::size_t(12), c.password_min_length);
        CPPUNIT_ASSERT_EQUAL(2ULL, c.argon2_opslimit);
        CPPUNIT_ASSERT_EQUAL(std::size_t(19456), c.argon2_memlimit_kib);
        CPPUNIT_ASSERT(c.mail_starttls);
        CPPUNIT_ASSERT(!c.mail_ssl_tls);
    }

    void each_missing_required_key_is_named() {
        for (const char* key : auth::kRequiredKeys) {
            Map file = required_only();
            file.erase(key);
            std::string msg;
            try {
                make(file);
            } catch (const auth::ConfigError& e) {
                msg = e.what();
            }
            CPPUNIT_ASSERT_MESSAGE(std::string(key) + ": " + msg, has(msg, key));
        }
    }

    void each_empty_required_key_is_named() {
        for (const char* key : auth::kRequiredKeys) {
            std::string msg = error_with(key, "");
            CPPUNIT_ASSERT_MESSAGE(std::string(key) + ": " + msg, has(msg, key));
        }
    }

    void invalid_mail_port_is_named() {
        for (const char* port : {"0", "70000", "65536", "abc", "-1", "25x", " 25", "99999999999999999999999"}) {
            std::string msg = error_with("MAIL_PORT", port);
            CPPUNIT_ASSERT_MESSAGE(std::string(port) + ": " + msg, has(msg, "MAIL_PORT"));
        }
        Map file = required_only();
        file["MAIL_PORT"] = "65535";
        CPPUNIT_ASSERT_EQUAL(65535, make(file).mail_port);
        file["MAIL_PORT"] = "1";
        CPPUNIT_ASSERT_EQUAL(1, make(file).mail_port);
    }

    void base_url_needs_http_or_https_scheme() {
        for (const char* url : {"example.com", "example.com/auth", "ftp://example.com", "//example.com", "https:/example.com"}) {
            std::string msg = error_with("BASE_URL", url);
            CPPUNIT_ASSERT_MESSAGE(std::string(url) + ": " + msg, has(msg, "BASE_URL"));
        }
    }

    void base_url_with_query_fragment_or_odd_path_is_refused() {
        for (const char* url : {"https://example.com/?x=1", "https://example.com/auth?x", "https://example.com/#top",
                                "https://exa mple.com/", "https://", "https://user@example.com/",
                                "https://example.com/a/../b", "https://example.com//auth"}) {
            std::string msg = error_with("BASE_URL", url);
            CPPUNIT_ASSERT_MESSAGE(std::string(url) + ": " + msg, has(msg, "BASE_URL"));
        }
    }

    void short_secret_key_is_refused() {
        // 31 bytes of key material in each form: too few.
        for (const std::string& key : {std::string(kRandomHex).substr(0, 62), std::string(kRandomBase64).substr(0, 41),
                                       std::string(kRandomText).substr(0, 63), std::string("k")}) {
            std::string msg = error_with("SECRET_KEY", key);
            CPPUNIT_ASSERT_MESSAGE(key + ": " + msg, has(msg, "SECRET_KEY") && has(msg, "too short"));
        }
        // 32 bytes in each form (openssl rand -hex 32 / -base64 32, a long phrase): accepted.
        for (const std::string& key : {std::string(kRandomHex), std::string(kRandomBase64), std::string(kRandomBase64Url),
                                       std::string(kRandomText)}) {
            Map file = required_only();
            file["SECRET_KEY"] = key;
            CPPUNIT_ASSERT_EQUAL_MESSAGE(key, key, make(file).secret_key);
        }
    }

    void sample_and_low_entropy_secret_keys_are_refused() {
        std::string msg = error_with("SECRET_KEY", auth::kSampleSecretKey);
        CPPUNIT_ASSERT_MESSAGE(msg, has(msg, "SECRET_KEY") && has(msg, "placeholder"));
        // The sample key really is the one .env.sample ships.
        std::ifstream sample(test::source_dir() + "/.env.sample");
        std::string line, in_sample;
        while (std::getline(sample, line))
            if (line.rfind("SECRET_KEY=", 0) == 0) in_sample = line.substr(11);
        CPPUNIT_ASSERT_EQUAL(std::string(auth::kSampleSecretKey), in_sample);

        const std::string weak[] = {
            std::string(64, 'k'),                                   // one character
            std::string(64, '0'),                                   // hex zeros
            "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",  // a hex block repeated
            std::string(kRandomHex).substr(0, 32) + std::string(kRandomHex).substr(0, 32),  // random, but twice
            "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",  // runs
            "change-me-please-0123456789-ChangeMe-please-9876543210-xyzXYZ-qrs",
            "passwordpasswordpasswordpasswordpasswordpasswordpasswordpassword",
        };
        for (const std::string& key : weak) {
            msg = error_with("SECRET_KEY", key);
            CPPUNIT_ASSERT_MESSAGE(key + ": " + msg, has(msg, "SECRET_KEY"));
        }
        CPPUNIT_ASSERT(!auth::secret_key_problem(kRandomHex));
        CPPUNIT_ASSERT(auth::secret_key_problem(std::string(kRandomHex).substr(0, 40)));  // 20 bytes
    }

    void argon2_below_the_owasp_minimum_is_refused() {
        // The rows of the OWASP table pass; one KiB under each is refused.
        const std::pair<int, int> rows[] = {{1, 47104}, {2, 19456}, {3, 12288}, {4, 9216}, {5, 7168}, {10, 7168}};
        for (const auto& [t, m] : rows) {
            Map file = required_only();
            file["ARGON2_OPSLIMIT"] = std::to_string(t);
            file["ARGON2_MEMLIMIT_KIB"] = std::to_string(m);
            auth::Config c = make(file);
            CPPUNIT_ASSERT_EQUAL(static_cast<unsigned long long>(t), c.argon2_opslimit);
            file["ARGON2_MEMLIMIT_KIB"] = std::to_string(m - 1);
            std::string msg;
            try {
                make(file);
            } catch (const auth::ConfigError& e) {
                msg = e.what();
            }
            CPPUNIT_ASSERT_MESSAGE(std::to_string(t) + "/" + std::to_string(m - 1) + ": " + msg,
                                   has(msg, "ARGON2_MEMLIMIT_KIB") && has(msg, "OWASP"));
        }
        // The cheap settings tests once used: refused by name.
        Map file = required_only();
        file["ARGON2_OPSLIMIT"] = "1";
        file["ARGON2_MEMLIMIT_KIB"] = "8";
        std::string msg;
        try {
            make(file);
        } catch (const auth::ConfigError& e) {
            msg = e.what();
        }
        CPPUNIT_ASSERT_MESSAGE(msg, has(msg, "ARGON2_MEMLIMIT_KIB"));
    }

    void timeouts_beyond_their_maxima_are_refused() {
        const std::pair<const char*, std::int64_t> maxima[] = {
            {"SESSION_IDLE_TIMEOUT", 86400}, {"SESSION_ABSOLUTE_TIMEOUT", 30 * 86400},
            {"RESET_TOKEN_TTL", 3600},       {"EMAIL_CHANGE_TTL", 7 * 86400},
            {"SIGNUP_TOKEN_TTL", 7 * 86400}};
        for (const auto& [key, max] : maxima) {
            Map file = required_only();
            file[key] = std::to_string(max);
            make(file);  // the maximum itself is fine
            std::string msg = error_with(key, std::to_string(max + 1));
            CPPUNIT_ASSERT_MESSAGE(std::string(key) + ": " + msg, has(msg, key) && has(msg, std::to_string(max)));
        }
    }

    void base_url_is_normalised_like_an_origin() {
        const struct { const char* url; const char* origin; const char* base; } seen[] = {
            {"HTTPS://Example.COM/Auth/", "https://example.com", "https://example.com/Auth"},
            {"https://example.com:443/auth", "https://example.com", "https://example.com/auth"},
            {"http://example.com:80", "http://example.com", "http://example.com"},
            {"https://example.com:8443", "https://example.com:8443", "https://example.com:8443"},
            {"http://example.com:443", "http://example.com:443", "http://example.com:443"},
            {"https://[2001:DB8::1]:443/x", "https://[2001:db8::1]", "https://[2001:db8::1]/x"},
            {"http://[::1]:8080", "http://[::1]:8080", "http://[::1]:8080"},
            {"http://[::1]", "http://[::1]", "http://[::1]"},
        };
        for (const auto& c : seen) {
            Map file = required_only();
            file["BASE_URL"] = c.url;
            auth::Config config = make(file);
            CPPUNIT_ASSERT_EQUAL_MESSAGE(c.url, std::string(c.origin), config.base_origin);
            CPPUNIT_ASSERT_EQUAL_MESSAGE(c.url, std::string(c.base), config.base_url);
        }
        for (const char* url : {"https://example.com:0/", "https://example.com:65536", "https://example.com:/",
                                "https://example.com:8x", "https://user:pw@example.com/", "https://@example.com",
                                "https://[::1", "https://[::1]x", "https://a:b:c/", "https://ex%61mple.com/"}) {
            std::string msg = error_with("BASE_URL", url);
            CPPUNIT_ASSERT_MESSAGE(std::string(url) + ": " + msg, has(msg, "BASE_URL"));
        }
    }

    void env_file_open_to_others_gets_a_warning() {
        test::TempDir dir;
        std::string path = dir.file("site.env");
        std::ofstream(path) << "SECRET_KEY=" << test::kSecretKey << "\n";
        ::chmod(path.c_str(), 0600);
        CPPUNIT_ASSERT(!auth::env_file_mode_warning(path));
        ::chmod(path.c_str(), 0640);
        CPPUNIT_ASSERT(!auth::env_file_mode_warning(path));
        for (mode_t mode : {0644, 0604, 0602, 0601}) {
            ::chmod(path.c_str(), mode);
            auto warning = auth::env_file_mode_warning(path);
            CPPUNIT_ASSERT_MESSAGE(std::to_string(mode), warning.has_value());
            CPPUNIT_ASSERT_MESSAGE(*warning, has(*warning, "AUTH_ENV") && has(*warning, path) && has(*warning, "chmod"));
        }
        CPPUNIT_ASSERT(!auth::env_file_mode_warning(""));
        CPPUNIT_ASSERT(!auth::env_file_mode_warning(dir.file("missing.env")));
    }

    void booleans_accept_python_spellings() {
        Map file = required_only();
        for (const char* no : {"False", "false", "FALSE", "0", "no", "off"}) {
            file["MAIL_STARTTLS"] = no;
            CPPUNIT_ASSERT_MESSAGE(no, !make(file).mail_starttls);
        }
        for (const char* yes : {"True", "true", "1", "yes", "On"}) {
            file["MAIL_STARTTLS"] = yes;
            CPPUNIT_ASSERT_MESSAGE(yes, make(file).mail_starttls);
        }
    }

    void invalid_boolean_is_named() {
        std::string msg = error_with("MAIL_STARTTLS", "maybe");
        CPPUNIT_ASSERT_MESSAGE(msg, has(msg, "MAIL_STARTTLS"));
        msg = error_with("MAIL_SSL_TLS", "2");
        CPPUNIT_ASSERT_MESSAGE(msg, has(msg, "MAIL_SSL_TLS"));
    }

    void starttls_defaults_off_when_ssl_tls_is_on() {
        Map file = required_only();
        file["MAIL_SSL_TLS"] = "True";
        auth::Config c = make(file);
        CPPUNIT_ASSERT(c.mail_ssl_tls);
        CPPUNIT_ASSERT(!c.mail_starttls);
    }

    void starttls_and_ssl_tls_together_are_refused() {
        Map file = required_only();
        file["MAIL_SSL_TLS"] = "True";
        file["MAIL_STARTTLS"] = "True";
        std::string msg;
        try {
            make(file);
        } catch (const auth::ConfigError& e) {
            msg = e.what();
        }
        CPPUNIT_ASSERT_MESSAGE(msg, has(msg, "MAIL_STARTTLS") && has(msg, "MAIL_SSL_TLS"));
    }

    void invalid_mail_from_and_server_are_named() {
        for (const char* from : {"noreply", "noreply@", "a@b@example.com", "x@example.com\r\nBcc: y@example.com"}) {
            std::string msg = error_with("MAIL_FROM", from);
            CPPUNIT_ASSERT_MESSAGE(msg, has(msg, "MAIL_FROM"));
        }
        for (const char* server : {"smtp example.com", "smtp://example.com", "user@smtp.example.com"}) {
            std::string msg = error_with("MAIL_SERVER", server);
            CPPUNIT_ASSERT_MESSAGE(msg, has(msg, "MAIL_SERVER"));
        }
    }

    void integer_keys_are_parsed_and_range_checked() {
        Map file = required_only();
        file["SESSION_IDLE_TIMEOUT"] = "600";
        file["SESSION_ABSOLUTE_TIMEOUT"] = "7200";
        file["RESET_TOKEN_TTL"] = "900";
        file["PASSWORD_MIN_LENGTH"] = "15";
        file["ARGON2_OPSLIMIT"] = "3";
        file["ARGON2_MEMLIMIT_KIB"] = "65536";
        auth::Config c = make(file);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(600), c.session_idle_timeout);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(7200), c.session_absolute_timeout);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(900), c.reset_token_ttl);
        CPPUNIT_ASSERT_EQUAL(std::size_t(15), c.password_min_length);
        CPPUNIT_ASSERT_EQUAL(3ULL, c.argon2_opslimit);
        CPPUNIT_ASSERT_EQUAL(std::size_t(65536), c.argon2_memlimit_kib);

        const std::pair<const char*, const char*> bad[] = {
            {"SESSION_IDLE_TIMEOUT", "0"},  {"SESSION_IDLE_TIMEOUT", "30m"}, {"SESSION_ABSOLUTE_TIMEOUT", "-5"},
            {"RESET_TOKEN_TTL", "abc"},     {"PASSWORD_MIN_LENGTH", "7"},    {"PASSWORD_MIN_LENGTH", "200"},
            {"ARGON2_OPSLIMIT", "0"},       {"ARGON2_MEMLIMIT_KIB", "4"},
        };
        for (const auto& [key, value] : bad) {
            std::string msg = error_with(key, value);
            CPPUNIT_ASSERT_MESSAGE(std::string(key) + "=" + value + ": " + msg, has(msg, key));
        }
    }

    void environment_overrides_file() {
        Map file = required_only();
        file["SESSION_IDLE_TIMEOUT"] = "600";
        auth::Config c = make(file, {{"MAIL_PORT", "2525"}, {"SESSION_IDLE_TIMEOUT", "900"}, {"BASE_URL", "http://localhost:8080"}});
        CPPUNIT_ASSERT_EQUAL(2525, c.mail_port);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(900), c.session_idle_timeout);
        CPPUNIT_ASSERT_EQUAL(std::string("http://localhost:8080"), c.base_url);
        CPPUNIT_ASSERT(!c.https);
    }

    void environment_can_supply_required_keys() {
        Map file = required_only();
        file.erase("SECRET_KEY");
        const std::string key = "q3J8vX1mZ7kP0sT5wY2bN6cR9dF4gH8jL1aE3uI7oQ0=";
        auth::Config c = make(file, {{"SECRET_KEY", key}});
        CPPUNIT_ASSERT_EQUAL(key, c.secret_key);
    }

    void base_url_with_a_path() {
        auth::Config c = make(required_only());  // https://example.com/auth/
        CPPUNIT_ASSERT(c.https);
        CPPUNIT_ASSERT_EQUAL(std::string("https://example.com/auth"), c.base_url);
        CPPUNIT_ASSERT_EQUAL(std::string("https://example.com"), c.base_origin);
        CPPUNIT_ASSERT_EQUAL(std::string("/auth"), c.base_path);
        CPPUNIT_ASSERT_EQUAL(std::string("/auth"), c.cookie_path());
        CPPUNIT_ASSERT_EQUAL(std::string("https://example.com/auth/login"), c.url("/login"));
        CPPUNIT_ASSERT_EQUAL(std::string("https://example.com/auth/reset/confirm"), c.url("/reset/confirm"));
    }

    void base_url_at_the_root() {
        Map file = required_only();
        file["BASE_URL"] = "http://127.0.0.1:8080";
        auth::Config c = make(file);
        CPPUNIT_ASSERT(!c.https);
        CPPUNIT_ASSERT_EQUAL(std::string("http://127.0.0.1:8080"), c.base_origin);
        CPPUNIT_ASSERT_EQUAL(std::string(), c.base_path);
        CPPUNIT_ASSERT_EQUAL(std::string("/"), c.cookie_path());
        CPPUNIT_ASSERT_EQUAL(std::string("http://127.0.0.1:8080/login"), c.url("/login"));

        file["BASE_URL"] = "https://example.com/";
        c = make(file);
        CPPUNIT_ASSERT_EQUAL(std::string("https://example.com"), c.base_url);
        CPPUNIT_ASSERT_EQUAL(std::string(), c.base_path);
        CPPUNIT_ASSERT_EQUAL(std::string("/"), c.cookie_path());
    }

    void default_paths_follow_datadir_and_statedir() {
        auth::Config c = make(required_only(), {{"SESSIONAUTH_DATADIR", "/opt/share"}, {"SESSIONAUTH_STATEDIR", "/opt/state"}});
        CPPUNIT_ASSERT_EQUAL(std::string("/opt/state/sessionauth.sqlite"), c.database_path);
        CPPUNIT_ASSERT_EQUAL(std::string("/opt/share/templates"), c.template_dir);
        CPPUNIT_ASSERT_EQUAL(std::string("/opt/share/data"), c.data_dir);

        Map file = required_only();
        file["DATABASE_PATH"] = "/srv/auth.sqlite";
        file["TEMPLATE_DIR"] = "/srv/templates";
        c = make(file, {{"SESSIONAUTH_STATEDIR", "/opt/state"}});
        CPPUNIT_ASSERT_EQUAL(std::string("/srv/auth.sqlite"), c.database_path);
        CPPUNIT_ASSERT_EQUAL(std::string("/srv/templates"), c.template_dir);
    }

    void database_url_and_its_timeouts() {
        auth::Config c = make(required_only());
        CPPUNIT_ASSERT_EQUAL(std::string(), c.database_url);  // SQLite
        CPPUNIT_ASSERT_EQUAL(std::int64_t(5000), c.database_statement_timeout);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(5), c.database_connect_timeout);
        Map file = required_only();
        file["DATABASE_URL"] = "postgresql://site@db.example/site";
        file["DATABASE_STATEMENT_TIMEOUT"] = "250";
        file["DATABASE_CONNECT_TIMEOUT"] = "10";
        c = make(file);
        CPPUNIT_ASSERT_EQUAL(std::string("postgresql://site@db.example/site"), c.database_url);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(250), c.database_statement_timeout);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(10), c.database_connect_timeout);
        // The environment wins (sessionauth-admin migrate as the owner role).
        c = make(file, {{"DATABASE_URL", "host=db.example dbname=site user=owner"}});
        CPPUNIT_ASSERT_EQUAL(std::string("host=db.example dbname=site user=owner"), c.database_url);
        for (const char* bad : {"0", "99", "600001", "5s"})
            CPPUNIT_ASSERT_MESSAGE(bad, test::contains(error_with("DATABASE_STATEMENT_TIMEOUT", bad), "DATABASE_STATEMENT_TIMEOUT"));
        for (const char* bad : {"1", "61", "x"})
            CPPUNIT_ASSERT_MESSAGE(bad, test::contains(error_with("DATABASE_CONNECT_TIMEOUT", bad), "DATABASE_CONNECT_TIMEOUT"));
    }

    void load_config_from_process_reads_auth_env() {
        test::TempDir dir;
        std::ofstream(dir.file(".env")) << "SECRET_KEY=" << test::kSecretKey << "\n"
                                        << "BASE_URL=https://example.org/site\nMAIL_SERVER=mail.example.org\n"
                                        << "MAIL_PORT=587\nMAIL_FROM=site@example.org\n";
        ::setenv("AUTH_ENV", dir.file(".env").c_str(), 1);
        ::setenv("MAIL_PORT", "2526", 1);
        auth::Config c;
        bool ok = true;
        std::string msg;
        try {
            c = auth::load_config_from_process();
        } catch (const std::exception& e) {
            ok = false;
            msg = e.what();
        }
        ::unsetenv("AUTH_ENV");
        ::unsetenv("MAIL_PORT");
        CPPUNIT_ASSERT_MESSAGE(msg, ok);
        CPPUNIT_ASSERT_EQUAL(std::string("https://example.org/site"), c.base_url);
        CPPUNIT_ASSERT_EQUAL(2526, c.mail_port);  // the environment wins
    }

    void load_config_from_process_reports_a_bad_env_file() {
        test::TempDir dir;
        std::ofstream(dir.file(".env")) << "SECRET_KEY='unterminated\n";
        ::setenv("AUTH_ENV", dir.file(".env").c_str(), 1);
        std::string msg;
        try {
            auth::load_config_from_process();
        } catch (const auth::ConfigError& e) {
            msg = e.what();
        }
        ::unsetenv("AUTH_ENV");
        CPPUNIT_ASSERT_MESSAGE(msg, has(msg, "AUTH_ENV") && has(msg, "line 1"));
    }
    void mail_delivery_keys() {
        auth::Config c = make(required_only());
        CPPUNIT_ASSERT(c.mail_delivery == auth::MailDelivery::AfterResponse);
        CPPUNIT_ASSERT(c.mail_deliver_program.empty());
        CPPUNIT_ASSERT_EQUAL(10, c.mail_max_per_hour);
        CPPUNIT_ASSERT_EQUAL(20, c.link_failures_per_hour);
        Map file = required_only();
        file["MAIL_DELIVERY"] = "cron";
        file["MAIL_MAX_PER_HOUR"] = "3";
        file["LINK_FAILURES_PER_HOUR"] = "50";
        file["MAIL_DELIVER_PROGRAM"] = "/opt/site/bin/sessionauth-deliver";
        c = make(file);
        CPPUNIT_ASSERT(c.mail_delivery == auth::MailDelivery::Cron);
        CPPUNIT_ASSERT_EQUAL(3, c.mail_max_per_hour);
        CPPUNIT_ASSERT_EQUAL(50, c.link_failures_per_hour);
        for (const char* bad : {"0", "1001", "many"}) {
            std::string msg = error_with("LINK_FAILURES_PER_HOUR", bad);
            CPPUNIT_ASSERT_MESSAGE(msg, has(msg, "LINK_FAILURES_PER_HOUR"));
        }
        CPPUNIT_ASSERT_EQUAL(std::string("/opt/site/bin/sessionauth-deliver"), c.mail_deliver_program);
        CPPUNIT_ASSERT(test::contains(error_with("MAIL_DELIVERY", "now"), "MAIL_DELIVERY"));
        CPPUNIT_ASSERT(test::contains(error_with("MAIL_MAX_PER_HOUR", "0"), "MAIL_MAX_PER_HOUR"));
        CPPUNIT_ASSERT(test::contains(error_with("MAIL_DELIVER_PROGRAM", "bin/deliver"), "MAIL_DELIVER_PROGRAM"));
    }

    void site_name_and_event_retention() {
        auth::Config c = make(required_only());
        CPPUNIT_ASSERT_EQUAL(std::string("sessionauth"), c.site_name);
        CPPUNIT_ASSERT_EQUAL(std::int64_t{90}, c.event_retention_days);
        Map file = required_only();
        file["SITE_NAME"] = "Caf\xc3\xa9 Members";
        file["EVENT_RETENTION_DAYS"] = "30";
        c = make(file);
        CPPUNIT_ASSERT_EQUAL(std::string("Caf\xc3\xa9 Members"), c.site_name);
        CPPUNIT_ASSERT_EQUAL(std::int64_t{30}, c.event_retention_days);
        for (const char* bad : {"0", "3651", "forever"})
            CPPUNIT_ASSERT(has(error_with("EVENT_RETENTION_DAYS", bad), "EVENT_RETENTION_DAYS"));
        for (const char* bad : {"Evil\r\nBcc: x@y", "A \"quoted\" name", "<site>", " padded", "back\\slash", "\xff\xfe"})
            CPPUNIT_ASSERT_MESSAGE(bad, has(error_with("SITE_NAME", bad), "SITE_NAME"));
        CPPUNIT_ASSERT(has(error_with("SITE_NAME", std::string(61, 'x')), "SITE_NAME"));
    }

    void admin_users() {
        auth::Config c = make(required_only());
        CPPUNIT_ASSERT(c.admin_users.empty());  // the admin area is off
        CPPUNIT_ASSERT(!c.is_admin(""));
        Map file = required_only();
        file["ADMIN_USERS"] = " alice, bob.smith@example.com ,,carol ";
        c = make(file);
        CPPUNIT_ASSERT_EQUAL(std::size_t{3}, c.admin_users.size());
        CPPUNIT_ASSERT(c.is_admin("alice"));
        CPPUNIT_ASSERT(c.is_admin("bob.smith@example.com"));
        CPPUNIT_ASSERT(c.is_admin("carol"));
        CPPUNIT_ASSERT(!c.is_admin("Alice"));
        CPPUNIT_ASSERT(!c.is_admin(""));
        CPPUNIT_ASSERT(!c.is_admin("alice, bob"));
        for (const char* bad : {"al ice", "a:b", "tab\tname", "\xc3\xa9mile"})
            CPPUNIT_ASSERT_MESSAGE(bad, has(error_with("ADMIN_USERS", bad), "ADMIN_USERS"));
        CPPUNIT_ASSERT(has(error_with("ADMIN_USERS", std::string(65, 'x')), "ADMIN_USERS"));
    }

    // The delivery program gets the keys of ours from the environment by
    // this list (mail/starter.cc): every key the sample names is on it.
    void every_key_of_the_sample_is_known() {
        std::ifstream in(test::source_dir() + "/.env.sample");
        std::string line;
        int keys = 0;
        while (std::getline(in, line)) {
            std::size_t at = line.rfind('#', 0) == 0 ? 1 : 0;
            auto eq = line.find('=');
            if (eq == std::string::npos || eq <= at) continue;
            std::string key = line.substr(at, eq - at);
            if (key.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != std::string::npos) continue;
            CPPUNIT_ASSERT_MESSAGE(key, auth::is_config_key(key));
            ++keys;
        }
        CPPUNIT_ASSERT(keys >= 20);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(ConfigTest);
