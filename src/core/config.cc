#include "core/config.hh"

#include <sodium.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>

#include "core/env_file.hh"
#include "core/log.hh"
#include "core/validate.hh"

#ifndef SESSIONAUTH_DATADIR
#define SESSIONAUTH_DATADIR "/usr/local/share/sessionauth"
#endif
#ifndef SESSIONAUTH_STATEDIR
#define SESSIONAUTH_STATEDIR "/usr/local/var/lib/sessionauth"
#endif

namespace auth {

const char* const kRequiredKeys[5] = {"SECRET_KEY", "BASE_URL", "MAIL_SERVER", "MAIL_PORT", "MAIL_FROM"};

bool is_config_key(const std::string& name) {
    static const char* const kKeys[] = {
        "SECRET_KEY", "BASE_URL", "MAIL_SERVER", "MAIL_PORT", "MAIL_FROM", "MAIL_USERNAME", "MAIL_PASSWORD",
        "MAIL_STARTTLS", "MAIL_SSL_TLS", "MAIL_DELIVERY", "MAIL_DELIVER_PROGRAM", "MAIL_MAX_PER_HOUR",
        "DATABASE_PATH", "TEMPLATE_DIR", "DATA_DIR", "PICTURE_DIR", "SESSION_IDLE_TIMEOUT",
        "SESSION_ABSOLUTE_TIMEOUT", "RESET_TOKEN_TTL", "EMAIL_CHANGE_TTL", "PASSWORD_MIN_LENGTH", "ARGON2_OPSLIMIT",
        "ARGON2_MEMLIMIT_KIB", "SIGNUP_CONFIRMATION", "SIGNUP_TOKEN_TTL", "SIGNUP_MAX_PER_HOUR_PER_ADDRESS",
        "TRUSTED_PROXIES", "LINK_FAILURES_PER_HOUR", "DATABASE_URL", "DATABASE_STATEMENT_TIMEOUT",
        "DATABASE_CONNECT_TIMEOUT", "EVENT_RETENTION_DAYS", "SITE_NAME", "ADMIN_USERS"};
    for (const char* key : kKeys)
        if (name == key) return true;
    return false;
}

namespace {

class Source {
public:
    Source(const std::map<std::string, std::string>& file, const Getenv& getenv) : file_(file), getenv_(getenv) {}

    std::optional<std::string> get(const std::string& key) const {
        if (auto v = getenv_(key)) return v;
        auto it = file_.find(key);
        if (it != file_.end()) return it->second;
        return std::nullopt;
    }

    std::string required(const std::string& key) const {
        auto v = get(key);
        if (!v || v->empty()) throw ConfigError(key + " is required but not set");
        return *v;
    }

    std::string text(const std::string& key, const std::string& fallback) const {
        auto v = get(key);
        return v && !v->empty() ? *v : fallback;
    }

    std::int64_t integer(const std::string& key, std::int64_t fallback, std::int64_t lo, std::int64_t hi) const {
        auto v = get(key);
        if (!v || v->empty()) return fallback;
        return parse_integer(key, *v, lo, hi);
    }

    static std::int64_t parse_integer(const std::string& key, const std::string& v, std::int64_t lo, std::int64_t hi) {
        std::int64_t n = 0;
        if (v.empty() || v.size() > 18) throw ConfigError(key + " must be a whole number from " + std::to_string(lo) + " to " + std::to_string(hi));
        for (char c : v) {
            if (c < '0' || c > '9') throw ConfigError(key + " must be a whole number from " + std::to_string(lo) + " to " + std::to_string(hi) + ", not \"" + v + "\"");
            n = n * 10 + (c - '0');
        }
        if (n < lo || n > hi) throw ConfigError(key + " must be from " + std::to_string(lo) + " to " + std::to_string(hi) + ", not " + v);
        return n;
    }

    bool boolean(const std::string& key, bool fallback) const {
        auto v = get(key);
        if (!v || v->empty()) return fallback;
        std::string s;
        for (char c : *v) s += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
        if (s == "true" || s == "1" || s == "yes" || s == "on") return true;
        if (s == "false" || s == "0" || s == "no" || s == "off") return false;
        throw ConfigError(key + " must be True or False, not \"" + *v + "\"");
    }

private:
    const std::map<std::string, std::string>& file_;
    const Getenv& getenv_;
};

std::string lower(std::string s) {
    for (char& ch : s)
        if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
    return s;
}

// Scheme and host lower-cased and a default port dropped, so that the origin
// is spelled as a browser's Origin header spells it (the CSRF check compares
// the two as strings). No user-info, query or fragment: links in mails are
// built from it.
void parse_base_url(Config& c, const std::string& raw) {
    std::string url = raw;
    while (!url.empty() && url.back() == '/') url.pop_back();
    for (unsigned char ch : url)
        if (ch <= 0x20 || ch >= 0x7f || ch == '?' || ch == '#' || ch == '\\' || ch == '"' || ch == '<' || ch == '>')
            throw ConfigError("BASE_URL must be a plain URL without spaces, query or fragment, not \"" + raw + "\"");
    auto sep = url.find("://");
    std::string scheme = sep == std::string::npos ? "" : lower(url.substr(0, sep));
    if (scheme != "https" && scheme != "http")
        throw ConfigError("BASE_URL must start with http:// or https://, not \"" + raw + "\"");
    c.https = scheme == "https";
    std::string rest = url.substr(sep + 3);
    auto slash = rest.find('/');
    std::string authority = rest.substr(0, slash);
    if (authority.find('@') != std::string::npos)
        throw ConfigError("BASE_URL must not hold a user name or password: \"" + raw + "\"");
    std::string host = authority, port;
    if (!authority.empty() && authority[0] == '[') {  // an IPv6 literal
        auto close = authority.find(']');
        if (close == std::string::npos) throw ConfigError("BASE_URL has no valid host: \"" + raw + "\"");
        host = authority.substr(0, close + 1);
        std::string after = authority.substr(close + 1);
        if (!after.empty() && after[0] != ':') throw ConfigError("BASE_URL has no valid host: \"" + raw + "\"");
        if (!after.empty()) port = after.substr(1);
        if (host.find_first_not_of("[]0123456789abcdefABCDEF:.") != std::string::npos)
            throw ConfigError("BASE_URL has no valid host: \"" + raw + "\"");
    } else if (auto colon = authority.find(':'); colon != std::string::npos) {
        host = authority.substr(0, colon);
        port = authority.substr(colon + 1);
    }
    host = lower(host);
    if (host.empty() || (host[0] != '[' && host.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789.-_") != std::string::npos))
        throw ConfigError("BASE_URL has no valid host: \"" + raw + "\"");
    if (authority.find(':') != std::string::npos && (host[0] != '[' || authority.back() != ']')) {
        if (port.empty()) throw ConfigError("BASE_URL has an empty port: \"" + raw + "\"");
        std::int64_t n = Source::parse_integer("BASE_URL's port", port, 1, 65535);
        port = (n == (c.https ? 443 : 80)) ? "" : std::to_string(n);
    }
    c.base_origin = scheme + "://" + host + (port.empty() ? "" : ":" + port);
    c.base_path = slash == std::string::npos ? "" : rest.substr(slash);
    if (c.base_path.find("//") != std::string::npos || c.base_path.find("/.") != std::string::npos)
        throw ConfigError("BASE_URL has an unusual path: \"" + raw + "\"");
    c.base_url = c.base_origin + c.base_path;
}

// The bytes of a key in base64 (standard or URL-safe, padding optional), or
// nothing if it is not base64.
std::optional<std::string> from_base64(const std::string& text) {
    std::string out(text.size(), '\0');
    for (int variant : {sodium_base64_VARIANT_ORIGINAL, sodium_base64_VARIANT_ORIGINAL_NO_PADDING,
                        sodium_base64_VARIANT_URLSAFE, sodium_base64_VARIANT_URLSAFE_NO_PADDING}) {
        std::size_t n = 0;
        const char* end = nullptr;
        if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.c_str(), text.size(), nullptr,
                              &n, &end, variant) == 0 &&
            end == text.c_str() + text.size())
            return out.substr(0, n);
    }
    return std::nullopt;
}

std::string from_hex(const std::string& text) {
    std::string out(text.size() / 2, '\0');
    std::size_t n = 0;
    sodium_hex2bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.c_str(), text.size(), nullptr, &n, nullptr);
    return out.substr(0, n);
}

// "a pattern repeated" or "mostly runs such as 0123 or abcd" when `s` is
// one, else nothing.
std::optional<std::string> pattern_in(const std::string& s) {
    for (std::size_t period = 1; period <= s.size() / 2; ++period) {
        bool repeats = true;
        for (std::size_t i = period; i < s.size() && repeats; ++i) repeats = s[i] == s[i - period];
        if (repeats) return "a pattern repeated";
    }
    std::size_t same_steps = 0;
    for (std::size_t i = 2; i < s.size(); ++i) {
        int a = static_cast<unsigned char>(s[i - 2]), b = static_cast<unsigned char>(s[i - 1]), c = static_cast<unsigned char>(s[i]);
        if (c - b == b - a) ++same_steps;
    }
    if (same_steps * 4 > s.size()) return "mostly runs such as 0123 or abcd";
    return std::nullopt;
}

// ADMIN_USERS: names separated by commas (spaces around them and empty
// ones ignored), each a name as htpasswd keeps it: 1 to 64 printable ASCII
// characters without spaces, commas or colons (htpasswd's separator).
std::vector<std::string> parse_admin_users(const std::string& text) {
    std::vector<std::string> names;
    std::size_t start = 0;
    while (start <= text.size()) {
        std::size_t comma = text.find(',', start);
        if (comma == std::string::npos) comma = text.size();
        std::string name = text.substr(start, comma - start);
        while (!name.empty() && name.front() == ' ') name.erase(0, 1);
        while (!name.empty() && name.back() == ' ') name.pop_back();
        if (!name.empty()) {
            if (name.size() > 64) throw ConfigError("ADMIN_USERS: a name may have at most 64 characters");
            for (unsigned char ch : name)
                if (ch <= 0x20 || ch >= 0x7f || ch == ':')
                    throw ConfigError("ADMIN_USERS: names are printable ASCII without spaces or colons, separated by commas");
            names.push_back(name);
        }
        start = comma + 1;
    }
    return names;
}

// SITE_NAME goes into page titles, headers and mail headers: one line of
// UTF-8 text, short, without the characters a From display name would need
// to escape.
std::optional<std::string> site_name_problem(const std::string& name) {
    if (name.empty() || name.size() > 60) return "must be 1 to 60 bytes long";
    if (!valid_utf8(name)) return "must be UTF-8";
    for (unsigned char c : name)
        if (c < 0x20 || c == 0x7f || c == '"' || c == '\\' || c == '<' || c == '>')
            return "must not contain control characters, quotes, backslashes or angle brackets";
    if (name.front() == ' ' || name.back() == ' ') return "must not start or end with a space";
    return std::nullopt;
}

}  // namespace

std::optional<std::string> secret_key_problem(const std::string& key) {
    const std::string how = " (make one with: openssl rand -hex 32)";
    if (key == kSampleSecretKey || lower(key).find("change-me") != std::string::npos || lower(key).find("changeme") != std::string::npos)
        return "SECRET_KEY is the placeholder of .env.sample, not a key" + how;
    // The key material: hex and base64 keys decoded, any other text as it is
    // but counted at half (a typed phrase carries far less than 8 bits a
    // character).
    std::string material;
    std::size_t bytes = 0;  // of key material
    std::string form;
    bool hex = key.size() % 2 == 0 && key.find_first_not_of("0123456789abcdefABCDEF") == std::string::npos;
    if (hex) {
        material = from_hex(key);
        bytes = material.size();
        form = std::to_string(key.size()) + " hex digits";
    } else if (auto b = from_base64(key); b && key.size() >= 16) {
        material = *b;
        bytes = material.size();
        form = std::to_string(key.size()) + " base64 characters";
    } else {
        material = key;
        bytes = material.size() / 2;
        form = std::to_string(key.size()) + " characters of text, counted at half";
    }
    if (bytes < 32)
        return "SECRET_KEY is too short: " + form + " give " + std::to_string(bytes) +
               " bytes of key material, at least 32 are needed" + how;
    bool seen[256] = {};
    int distinct = 0;
    for (unsigned char b : material)
        if (!seen[b]) { seen[b] = true; ++distinct; }
    if (distinct < 16)
        return "SECRET_KEY has too little variety (" + std::to_string(distinct) + " different byte values, at least 16 are needed)" + how;
    // A block said again (abcabc...) or runs (0123..., abcd...), in the
    // key as written or in its bytes.
    auto pattern = pattern_in(key);
    if (!pattern) pattern = pattern_in(material);
    if (pattern) return "SECRET_KEY is " + *pattern + ", not a random key" + how;
    return std::nullopt;
}

std::optional<std::string> argon2_problem(unsigned long long opslimit, std::size_t memlimit_kib) {
    std::size_t needed = argon2_min_memlimit_kib(opslimit);
    if (memlimit_kib >= needed) return std::nullopt;
    return "ARGON2_MEMLIMIT_KIB=" + std::to_string(memlimit_kib) + " with ARGON2_OPSLIMIT=" + std::to_string(opslimit) +
           " is below the OWASP minimum for Argon2id (" + std::to_string(needed) + " KiB with " + std::to_string(opslimit) +
           (opslimit == 1 ? " pass" : " passes") + "; the default 19456 KiB with 2 passes is the minimum's usual form)";
}

std::size_t argon2_min_memlimit_kib(unsigned long long opslimit) {
    // OWASP Password Storage Cheat Sheet, Argon2id with one lane: the
    // memory each number of passes needs.
    switch (opslimit) {
        case 0: return static_cast<std::size_t>(-1);
        case 1: return 47104;
        case 2: return 19456;
        case 3: return 12288;
        case 4: return 9216;
        default: return 7168;
    }
}

std::optional<std::string> env_file_mode_warning(const std::string& path) {
    struct stat st {};
    if (path.empty() || ::stat(path.c_str(), &st) != 0) return std::nullopt;
    if ((st.st_mode & 0007) == 0) return std::nullopt;
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return "warning: AUTH_ENV " + path + " (mode " + mode + ") is open to other users of this machine, and it holds "
           "SECRET_KEY and MAIL_PASSWORD: chmod o-rwx it (0600, or 0640 with the web server's group)";
}


Config make_config(const std::map<std::string, std::string>& file, const Getenv& getenv) {
    Source src(file, getenv);
    Config c;

    c.secret_key = src.required("SECRET_KEY");
    if (auto problem = secret_key_problem(c.secret_key)) throw ConfigError(*problem);
    parse_base_url(c, src.required("BASE_URL"));

    c.mail_server = src.required("MAIL_SERVER");
    for (unsigned char ch : c.mail_server)
        if (ch <= 0x20 || ch >= 0x7f || ch == '/' || ch == '@') throw ConfigError("MAIL_SERVER must be a host name or address, not \"" + c.mail_server + "\"");
    c.mail_port = static_cast<int>(Source::parse_integer("MAIL_PORT", src.required("MAIL_PORT"), 1, 65535));
    c.mail_from = src.required("MAIL_FROM");
    if (!normalize_email(c.mail_from)) throw ConfigError("MAIL_FROM must be an email address, not \"" + c.mail_from + "\"");
    c.mail_username = src.text("MAIL_USERNAME", "");
    c.mail_password = src.text("MAIL_PASSWORD", "");
    c.mail_ssl_tls = src.boolean("MAIL_SSL_TLS", false);
    c.mail_starttls = src.boolean("MAIL_STARTTLS", !c.mail_ssl_tls);
    if (c.mail_starttls && c.mail_ssl_tls) throw ConfigError("MAIL_STARTTLS and MAIL_SSL_TLS cannot both be True");
    std::string delivery = src.text("MAIL_DELIVERY", "after-response");
    if (delivery == "after-response") c.mail_delivery = MailDelivery::AfterResponse;
    else if (delivery == "cron") c.mail_delivery = MailDelivery::Cron;
    else throw ConfigError("MAIL_DELIVERY must be after-response or cron, not \"" + delivery + "\"");
    c.mail_deliver_program = src.text("MAIL_DELIVER_PROGRAM", "");
    if (!c.mail_deliver_program.empty() && c.mail_deliver_program[0] != '/')
        throw ConfigError("MAIL_DELIVER_PROGRAM must be an absolute path, not \"" + c.mail_deliver_program + "\"");
    c.mail_max_per_hour = static_cast<int>(src.integer("MAIL_MAX_PER_HOUR", 10, 1, 1000));
    c.link_failures_per_hour = static_cast<int>(src.integer("LINK_FAILURES_PER_HOUR", 20, 1, 1000));
    c.event_retention_days = src.integer("EVENT_RETENTION_DAYS", 90, 1, 3650);
    c.site_name = src.text("SITE_NAME", "sessionauth");
    if (auto problem = site_name_problem(c.site_name)) throw ConfigError("SITE_NAME " + *problem);
    c.admin_users = parse_admin_users(src.text("ADMIN_USERS", ""));

    std::string share = getenv("SESSIONAUTH_DATADIR").value_or(SESSIONAUTH_DATADIR);
    std::string state = getenv("SESSIONAUTH_STATEDIR").value_or(SESSIONAUTH_STATEDIR);
    c.database_path = src.text("DATABASE_PATH", state + "/sessionauth.sqlite");
    // PostgreSQL instead of the SQLite file (README, "When one machine is not
    // enough"). Never logged: it may hold a password.
    c.database_url = src.text("DATABASE_URL", "");
    c.database_statement_timeout = src.integer("DATABASE_STATEMENT_TIMEOUT", 5000, 100, 600000);
    c.database_connect_timeout = src.integer("DATABASE_CONNECT_TIMEOUT", 5, 2, 60);
    c.template_dir = src.text("TEMPLATE_DIR", share + "/templates");
    c.data_dir = src.text("DATA_DIR", share + "/data");
    // Beside the database by default: a folder the programs may write to,
    // outside the document root.
    auto slash = c.database_path.rfind('/');
    c.picture_dir = src.text("PICTURE_DIR", (slash == std::string::npos ? std::string(".") : c.database_path.substr(0, slash)) + "/pictures");
    while (c.picture_dir.size() > 1 && c.picture_dir.back() == '/') c.picture_dir.pop_back();

    // Maxima (README, "Configuration"): a stolen session or a link found in
    // a mailbox must not stay good for longer than this.
    c.session_idle_timeout = src.integer("SESSION_IDLE_TIMEOUT", 1800, 1, kMaxSessionIdleTimeout);
    c.session_absolute_timeout = src.integer("SESSION_ABSOLUTE_TIMEOUT", 43200, 1, kMaxSessionAbsoluteTimeout);
    c.reset_token_ttl = src.integer("RESET_TOKEN_TTL", 1800, 1, kMaxResetTokenTtl);
    c.email_change_ttl = src.integer("EMAIL_CHANGE_TTL", 86400, 1, kMaxEmailChangeTtl);
    c.signup_confirmation = src.boolean("SIGNUP_CONFIRMATION", true);
    c.signup_token_ttl = src.integer("SIGNUP_TOKEN_TTL", 86400, 1, kMaxSignupTokenTtl);
    c.signup_max_per_hour_per_address =
        static_cast<int>(src.integer("SIGNUP_MAX_PER_HOUR_PER_ADDRESS", 10, 1, 100000));
    c.password_min_length = static_cast<std::size_t>(src.integer("PASSWORD_MIN_LENGTH", 12, 8, 64));
    c.argon2_opslimit = static_cast<unsigned long long>(src.integer("ARGON2_OPSLIMIT", 2, 1, 32));
    c.argon2_memlimit_kib = static_cast<std::size_t>(src.integer("ARGON2_MEMLIMIT_KIB", 19456, 8, 4 * 1024 * 1024));
    if (auto problem = argon2_problem(c.argon2_opslimit, c.argon2_memlimit_kib)) throw ConfigError(*problem);

    // Addresses or CIDR ranges, separated by commas or spaces.
    std::string proxies = src.text("TRUSTED_PROXIES", "");
    for (char& ch : proxies)
        if (ch == ',' || ch == '\t') ch = ' ';
    std::size_t at = 0;
    while (at < proxies.size()) {
        auto end = proxies.find(' ', at);
        if (end == std::string::npos) end = proxies.size();
        if (end > at) {
            std::string item = proxies.substr(at, end - at);
            auto range = parse_ip_range(item);
            if (!range) throw ConfigError("TRUSTED_PROXIES must list IP addresses or CIDR ranges (such as 10.0.0.0/8 or 2001:db8::/32), not \"" + item + "\"");
            c.trusted_proxies.push_back(*range);
        }
        at = end + 1;
    }
    return c;
}

Config load_config(const std::string& env_path) {
    Getenv getenv = [](const std::string& key) -> std::optional<std::string> {
        const char* v = std::getenv(key.c_str());
        if (!v) return std::nullopt;
        return std::string(v);
    };
    std::map<std::string, std::string> file;
    if (!env_path.empty()) {
        try {
            file = read_env_file(env_path);
        } catch (const EnvFileError& e) {
            throw ConfigError(std::string("AUTH_ENV: ") + e.what());
        }
    }
    Config c = make_config(file, getenv);
    c.env_file = env_path;
    if (auto warning = env_file_mode_warning(env_path)) log_line(*warning);
    return c;
}

Config load_config_from_process() {
    const char* path = std::getenv("AUTH_ENV");
    return load_config(path ? path : "");
}

}  // namespace auth
