#include "core/config.hh"

#include <cstdlib>

#include "core/env_file.hh"
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
        "ARGON2_MEMLIMIT_KIB", "SIGNUP_CONFIRMATION", "SIGNUP_TOKEN_TTL", "SIGNUP_MAX_PER_HOUR_PER_ADDRESS"};
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

void parse_base_url(Config& c, const std::string& raw) {
    std::string url = raw;
    while (!url.empty() && url.back() == '/') url.pop_back();
    std::string rest;
    if (url.rfind("https://", 0) == 0) { c.https = true; rest = url.substr(8); }
    else if (url.rfind("http://", 0) == 0) { c.https = false; rest = url.substr(7); }
    else throw ConfigError("BASE_URL must start with http:// or https://, not \"" + raw + "\"");
    for (unsigned char ch : url)
        if (ch <= 0x20 || ch >= 0x7f || ch == '?' || ch == '#' || ch == '\\' || ch == '"' || ch == '<' || ch == '>')
            throw ConfigError("BASE_URL must be a plain URL without spaces, query or fragment, not \"" + raw + "\"");
    auto slash = rest.find('/');
    std::string host = rest.substr(0, slash);
    if (host.empty() || host.find('@') != std::string::npos) throw ConfigError("BASE_URL has no valid host: \"" + raw + "\"");
    c.base_origin = url.substr(0, url.size() - rest.size()) + host;
    c.base_path = slash == std::string::npos ? "" : rest.substr(slash);
    if (c.base_path.find("//") != std::string::npos || c.base_path.find("/.") != std::string::npos)
        throw ConfigError("BASE_URL has an unusual path: \"" + raw + "\"");
    c.base_url = url;
}

}  // namespace

Config make_config(const std::map<std::string, std::string>& file, const Getenv& getenv) {
    Source src(file, getenv);
    Config c;

    c.secret_key = src.required("SECRET_KEY");
    if (c.secret_key.size() < 32)
        throw ConfigError("SECRET_KEY must be at least 32 characters long (try: openssl rand -hex 32)");
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

    std::string share = getenv("SESSIONAUTH_DATADIR").value_or(SESSIONAUTH_DATADIR);
    std::string state = getenv("SESSIONAUTH_STATEDIR").value_or(SESSIONAUTH_STATEDIR);
    c.database_path = src.text("DATABASE_PATH", state + "/sessionauth.sqlite");
    c.template_dir = src.text("TEMPLATE_DIR", share + "/templates");
    c.data_dir = src.text("DATA_DIR", share + "/data");
    // Beside the database by default: a folder the programs may write to,
    // outside the document root.
    auto slash = c.database_path.rfind('/');
    c.picture_dir = src.text("PICTURE_DIR", (slash == std::string::npos ? std::string(".") : c.database_path.substr(0, slash)) + "/pictures");
    while (c.picture_dir.size() > 1 && c.picture_dir.back() == '/') c.picture_dir.pop_back();

    constexpr std::int64_t year = 366LL * 24 * 3600;
    c.session_idle_timeout = src.integer("SESSION_IDLE_TIMEOUT", 1800, 1, year);
    c.session_absolute_timeout = src.integer("SESSION_ABSOLUTE_TIMEOUT", 43200, 1, year);
    c.reset_token_ttl = src.integer("RESET_TOKEN_TTL", 1800, 1, 24 * 3600);
    c.email_change_ttl = src.integer("EMAIL_CHANGE_TTL", 86400, 1, 30 * 24 * 3600);
    c.signup_confirmation = src.boolean("SIGNUP_CONFIRMATION", true);
    c.signup_token_ttl = src.integer("SIGNUP_TOKEN_TTL", 86400, 1, 30 * 24 * 3600);
    c.signup_max_per_hour_per_address =
        static_cast<int>(src.integer("SIGNUP_MAX_PER_HOUR_PER_ADDRESS", 10, 1, 100000));
    c.password_min_length = static_cast<std::size_t>(src.integer("PASSWORD_MIN_LENGTH", 12, 8, 64));
    c.argon2_opslimit = static_cast<unsigned long long>(src.integer("ARGON2_OPSLIMIT", 2, 1, 32));
    c.argon2_memlimit_kib = static_cast<std::size_t>(src.integer("ARGON2_MEMLIMIT_KIB", 19456, 8, 4 * 1024 * 1024));
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
    return c;
}

Config load_config_from_process() {
    const char* path = std::getenv("AUTH_ENV");
    return load_config(path ? path : "");
}

}  // namespace auth
