// The site's configuration: the env file named by AUTH_ENV, overridden by the
// real environment, turned into typed and validated values. Anything missing
// or invalid is a ConfigError naming the key, raised before the first request.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/net_address.hh"

namespace auth {

class ConfigError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// How queued mail leaves: a delivery run started after the response, or
// only the one cron starts every minute (hosts that forbid background
// processes).
enum class MailDelivery { AfterResponse, Cron };

struct Config {
    std::string env_file;      // the env file read ("" for none)
    std::string secret_key;
    std::string base_url;      // as configured, without a trailing slash
    std::string base_origin;   // scheme://host[:port]
    std::string base_path;     // "" for the root, else "/sub" (no trailing slash)
    bool https = false;

    // The site's own name: page titles, header and footer, mails (subject,
    // body, the From display name).
    std::string site_name = "sessionauth";

    std::string mail_server;
    int mail_port = 587;
    std::string mail_username;
    std::string mail_password;
    std::string mail_from;
    bool mail_starttls = true;
    bool mail_ssl_tls = false;
    MailDelivery mail_delivery = MailDelivery::AfterResponse;
    std::string mail_deliver_program;  // "" for sessionauth-deliver beside the page program
    int mail_max_per_hour = 10;
    // Failed confirmations of mailed links from one client address in an
    // hour before every link from there gets 429.
    int link_failures_per_hour = 20;
    // Security events older than this are deleted by housekeeping.
    std::int64_t event_retention_days = 90;
    // ADMIN_USERS: the names the web server's own authentication may pass
    // as REMOTE_USER to reach /admin. Empty (the default): /admin is off.
    std::vector<std::string> admin_users;
    bool is_admin(std::string_view name) const {
        for (const std::string& a : admin_users)
            if (a == name) return true;
        return false;
    }

    std::string database_path;
    // PostgreSQL: a libpq URI (postgresql://...) or key=value string; ""
    // for the SQLite file at database_path. Secret: never logged.
    std::string database_url;
    std::int64_t database_statement_timeout = 5000;  // milliseconds, each statement
    std::int64_t database_connect_timeout = 5;       // seconds, each (re)connection
    std::string template_dir;
    std::string data_dir;      // holds common-passwords.txt
    std::string picture_dir;   // profile pictures (outside the document root)

    std::int64_t session_idle_timeout = 1800;
    std::int64_t session_absolute_timeout = 43200;
    std::int64_t reset_token_ttl = 1800;
    std::int64_t email_change_ttl = 86400;
    // Sign-up: an account comes into being only once its address's mailbox
    // opened the link (False: at once, as on a closed intranet).
    bool signup_confirmation = true;
    std::int64_t signup_token_ttl = 86400;
    int signup_max_per_hour_per_address = 10;  // registrations from one client address
    std::size_t password_min_length = 12;
    unsigned long long argon2_opslimit = 2;
    std::size_t argon2_memlimit_kib = 19456;
    // The reverse proxies whose X-Forwarded-For is believed (none: the
    // address the web server saw is the client's).
    std::vector<IpRange> trusted_proxies;

    // Cookie path: the path of BASE_URL, "/" for the root.
    std::string cookie_path() const { return base_path.empty() ? "/" : base_path; }
    // An absolute URL for a site path such as "/login".
    std::string url(const std::string& site_path) const { return base_origin + base_path + site_path; }
};

using Getenv = std::function<std::optional<std::string>(const std::string&)>;

// Builds a Config from the parsed env file and an environment lookup (which
// wins over the file); a missing or invalid value is a ConfigError. The
// defaults of TEMPLATE_DIR and DATA_DIR lie under SESSIONAUTH_DATADIR, that
// of DATABASE_PATH under SESSIONAUTH_STATEDIR: both asked of `getenv` only
// (never of the file), else the install locations compiled in. PICTURE_DIR
// defaults to pictures/ beside the database.
Config make_config(const std::map<std::string, std::string>& file, const Getenv& getenv);

// The env file at `env_path` (none if empty), overridden by the process
// environment. Call before the first FastCGI accept: afterwards getenv()
// sees only request variables.
Config load_config(const std::string& env_path);

// load_config with the process's AUTH_ENV.
Config load_config_from_process();

// The SECRET_KEY of .env.sample, refused as a key.
inline constexpr const char* kSampleSecretKey = "change-me-to-the-output-of-openssl-rand-hex-32";

// Why `key` is no SECRET_KEY, or nothing if it will do. At least 32 bytes of
// key material: 64 hex digits, or 43 base64 characters (standard or
// URL-safe), or 64 characters of other text (counted at half); at least 16
// different byte values, no repeated block and no runs (0123..., aaaa...);
// not the .env.sample placeholder.
std::optional<std::string> secret_key_problem(const std::string& key);

// The least ARGON2_MEMLIMIT_KIB the OWASP Password Storage Cheat Sheet allows
// Argon2id with `opslimit` passes: 47104 for 1, 19456 for 2, 12288 for 3,
// 9216 for 4, 7168 for 5 or more.
std::size_t argon2_min_memlimit_kib(unsigned long long opslimit);

// Why this Argon2id cost is below that minimum, or nothing.
std::optional<std::string> argon2_problem(unsigned long long opslimit, std::size_t memlimit_kib);

// The most each timeout key accepts, in seconds.
inline constexpr std::int64_t kMaxSessionIdleTimeout = 24 * 3600;
inline constexpr std::int64_t kMaxSessionAbsoluteTimeout = 30 * 24 * 3600;
inline constexpr std::int64_t kMaxResetTokenTtl = 3600;
inline constexpr std::int64_t kMaxEmailChangeTtl = 7 * 24 * 3600;
inline constexpr std::int64_t kMaxSignupTokenTtl = 7 * 24 * 3600;

// The warning line for an env file other users may read (mode & 007), or
// nothing. load_config logs it; it does not stop the site.
std::optional<std::string> env_file_mode_warning(const std::string& path);

// The keys every deployment must set.
extern const char* const kRequiredKeys[5];

// True for a key make_config reads (SECRET_KEY, MAIL_PORT, ...).
bool is_config_key(const std::string& name);

}  // namespace auth
