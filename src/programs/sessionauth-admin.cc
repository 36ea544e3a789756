// Administration from the shell: `sessionauth-admin migrate` creates or
// migrates the database named by the env file (AUTH_ENV) and checks the
// configuration; `sessionauth-admin check` only checks;
// `sessionauth-admin two-factor-off EMAIL` turns two-step login off for an
// account whose owner lost both the phone and the recovery codes (after
// the administrator has made sure, by other means, that it is the owner);
// `sessionauth-admin copy-to DATABASE_URL` copies every table of the site's
// SQLite file into an empty PostgreSQL database and checks the row counts
// (README, "When one machine is not enough").
// `sessionauth-admin purge` deletes what has expired (as the pages'
// housekeeping does now and then) and events older than
// EVENT_RETENTION_DAYS, for cron; `sessionauth-admin events [filters]`
// prints the security event log, newest first.
// What the admin area (/admin) does, for the shell and for cron, each
// printing what it did: `users find TEXT`; `user show|lock|unlock|logout|
// reset|delete ACCOUNT` (an email address or an account number); `mail` (the
// queue) and `mail retry`. Every change is an event naming the shell's user.
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <exception>
#include <optional>
#include <string>

#include "core/clock.hh"
#include "core/config.hh"
#include "core/crypto.hh"
#include "core/log.hh"
#include "core/validate.hh"
#include "store/postgres/open.hh"
#include "store/sqlite/stores.hh"
#include "store/sqlite/tables.hh"
#include "web/app.hh"

namespace {

int usage() {
    std::fprintf(stderr,
                 "usage: sessionauth-admin migrate|check|purge|two-factor-off EMAIL|copy-to DATABASE_URL   (reads the env file "
                 "named by AUTH_ENV)\n"
                 "       sessionauth-admin events [--user ID] [--name NAME] [--outcome OUTCOME] [--days N] [--limit N]\n"
                 "       sessionauth-admin users find TEXT\n"
                 "       sessionauth-admin user show|lock|unlock|logout|reset|delete EMAIL|ID\n"
                 "       sessionauth-admin mail [retry]\n");
    return 2;
}

// The site's SQLite file (brought to the latest schema first) into the
// PostgreSQL database at `url`. The URL is never printed: it may hold a
// password (a key=value string with the password in ~/.pgpass keeps it out
// of the process list too).
int copy_to(const auth::Config& config, const std::string& url) {
    if (!config.database_url.empty()) {
        std::fprintf(stderr, "sessionauth-admin: copy-to copies the SQLite file at DATABASE_PATH, but the configuration "
                             "already names a PostgreSQL database (DATABASE_URL)\n");
        return 1;
    }
    auth::SystemClock clock;
    auth::StoreSettings source = auth::StoreSettings::of(config);
    auth::SqliteStore sqlite(source, clock);
    sqlite.open();  // created or brought to the latest schema
    auth::SqliteTables tables(sqlite.db());
    auth::StoreSettings target = source;
    target.url = url;
    std::vector<auth::TableCount> counts = auth::copy_into_postgres(tables, target, clock);
    int wrong = 0;
    for (const auto& c : counts) {
        bool same = c.source == c.target;
        wrong += same ? 0 : 1;
        std::printf("%-16s %8lld rows in SQLite, %8lld in PostgreSQL%s\n", c.table.c_str(), static_cast<long long>(c.source),
                    static_cast<long long>(c.target), same ? "" : "   DIFFERENT");
    }
    if (wrong) {
        std::fprintf(stderr, "sessionauth-admin: %d tables differ after the copy\n", wrong);
        return 1;
    }
    std::printf("copied %zu tables from %s; set DATABASE_URL to use PostgreSQL\n", counts.size(), config.database_path.c_str());
    return 0;
}

// Who acted, for the event log: the shell's user as the kernel knows it
// (the programs look up no user names: they are linked statically).
std::string shell_actor() { return "sessionauth-admin (uid " + std::to_string(::geteuid()) + ")"; }

auth::Client shell_client() { return {"", "", auth::new_request_id()}; }

// Reads `--key value` pairs after the command into `filter`; false on anything else.
bool parse_event_filter(int argc, char** argv, std::int64_t now, auth::EventFilter& filter) {
    for (int i = 2; i < argc; i += 2) {
        if (i + 1 >= argc) return false;
        std::string key = argv[i], value = argv[i + 1];
        try {
            if (key == "--user")
                filter.user_id = std::stoll(value);
            else if (key == "--name")
                filter.name = value;
            else if (key == "--outcome")
                filter.outcome = value;
            else if (key == "--days")
                filter.since = now - std::stoll(value) * 86400;
            else if (key == "--limit")
                filter.limit = std::stoll(value);
            else
                return false;
        } catch (const std::exception&) {
            return false;
        }
    }
    return filter.limit > 0;
}

int print_events(auth::App& app, int argc, char** argv) {
    auth::EventFilter filter;
    if (!parse_event_filter(argc, argv, app.clock().now(), filter)) return usage();
    for (const auth::Event& e : app.accounts.events().query(filter))
        std::printf("%s %s\n", auth::utc_stamp(e.at).c_str(), auth::event_line(e).c_str());
    return 0;
}

// The account an argument names: an email address, or an account number.
std::optional<auth::User> account_named(auth::App& app, const std::string& arg) {
    if (!arg.empty() && arg.find_first_not_of("0123456789") == std::string::npos && arg.size() <= 18) {
        auto summary = app.accounts.account_summary(std::stoll(arg));
        if (summary) return summary->user;
        return std::nullopt;
    }
    auto email = auth::normalize_email(arg);
    if (!email) return std::nullopt;
    // The exact address comes first; the store compares addresses without regard to ASCII case.
    auto found = app.accounts.find_accounts(*email, 1);
    if (found.empty() || auth::ascii_lower(found.front().email) != auth::ascii_lower(*email)) return std::nullopt;
    return found.front();
}

int find_users(auth::App& app, const std::string& text) {
    auto users = app.accounts.find_accounts(text, 1000);
    for (const auth::User& u : users)
        std::printf("%lld\t%s\t%s\t%s\n", static_cast<long long>(u.id), u.email.c_str(), u.name.c_str(),
                    u.locked() ? "locked" : u.confirmed_at ? "confirmed" : "not confirmed");
    std::printf("%zu account(s) found\n", users.size());
    return 0;
}

int show_user(auth::App& app, const auth::User& user) {
    auto s = app.accounts.account_summary(user.id);
    if (!s) return 1;
    std::printf("account %lld: %s (%s)\n", static_cast<long long>(user.id), user.email.c_str(), user.name.c_str());
    std::printf("created: %s\n", auth::utc_stamp(user.created_at).c_str());
    std::printf("confirmed: %s\n", user.confirmed_at ? auth::utc_stamp(user.confirmed_at).c_str() : "no");
    std::printf("locked: %s\n", user.locked() ? auth::utc_stamp(user.locked_at).c_str() : "no");
    std::printf("two-step login: %s\n", s->two_factor ? "on" : "off");
    if (s->passkeys) std::printf("passkeys: %lld\n", static_cast<long long>(*s->passkeys));
    std::printf("last login: %s\n", s->last_login ? auth::utc_stamp(*s->last_login).c_str() : "none kept");
    std::printf("sessions: %zu\n", s->sessions.size());
    for (const auth::SessionInfo& session : s->sessions)
        std::printf("  since %s, last seen %s, from %s\n", auth::utc_stamp(session.created_at).c_str(), auth::utc_stamp(session.last_seen).c_str(),
                    session.client_ip.empty() ? "unknown" : session.client_ip.c_str());
    return 0;
}

// `user ACTION ACCOUNT`.
int user_command(auth::App& app, const std::string& action, const std::string& arg) {
    auto user = account_named(app, arg);
    if (!user) {
        std::fprintf(stderr, "sessionauth-admin: no account %s\n", arg.c_str());
        return 1;
    }
    if (action == "show") return show_user(app, *user);
    using Action = auth::AdminResult (auth::Accounts::*)(std::int64_t, const auth::Client&, std::string_view);
    struct Known {
        const char* name;
        Action action;
        const char* done;
    };
    static const Known known[] = {
        {"lock", &auth::Accounts::lock_account, "locked; its sessions have ended"},
        {"unlock", &auth::Accounts::unlock_account, "unlocked"},
        {"logout", &auth::Accounts::end_sessions, "every session has ended"},
        {"reset", &auth::Accounts::send_reset_link, "a reset link is queued to its address"},
        {"delete", &auth::Accounts::delete_account_of,
         "deleted, with everything that names it; a last notice is queued to its address"},
    };
    for (const Known& k : known) {
        if (action != k.name) continue;
        auth::AdminResult result = (app.accounts.*k.action)(user->id, shell_client(), shell_actor());
        if (result != auth::AdminResult::Done) {
            std::fprintf(stderr, "sessionauth-admin: %s: %s\n", user->email.c_str(), auth::admin_result_text(result));
            return result == auth::AdminResult::Unchanged ? 0 : 1;
        }
        std::printf("%s: %s\n", user->email.c_str(), k.done);
        // Mail leaves as it does after a page: a delivery run now (none
        // with MAIL_DELIVERY=cron, where cron's next run sends it).
        app.delivery.after_response(false);
        return 0;
    }
    return usage();
}

int mail_command(auth::App& app, bool retry) {
    if (retry) {
        std::int64_t n = app.accounts.retry_failed_mail(shell_client(), shell_actor());
        std::printf("%lld failed message(s) due again; a delivery run (sessionauth-deliver) tries them\n",
                    static_cast<long long>(n));
        app.delivery.after_response(false);
        return 0;
    }
    std::int64_t failed = 0;
    auto queue = app.accounts.mail_queue(100000);
    for (const auth::OutboxEntry& m : queue) {
        std::printf("%lld\t%s\tqueued %s\t%lld attempt(s)\tnext %s\t%s\n", static_cast<long long>(m.id),
                    m.recipient.c_str(), auth::utc_stamp(m.created_at).c_str(), static_cast<long long>(m.attempts),
                    auth::utc_stamp(m.next_attempt_at).c_str(), m.failed() ? ("failed: " + m.last_error).c_str() : "waiting");
        failed += m.failed();
    }
    std::printf("%lld waiting, %lld failed\n", static_cast<long long>(queue.size() - failed), static_cast<long long>(failed));
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    auth::set_program_name("sessionauth-admin");
    if (argc < 2) return usage();
    const bool migrate = std::strcmp(argv[1], "migrate") == 0, check = std::strcmp(argv[1], "check") == 0,
               two_factor_off = std::strcmp(argv[1], "two-factor-off") == 0, purge = std::strcmp(argv[1], "purge") == 0,
               events = std::strcmp(argv[1], "events") == 0;
    const bool copy = std::strcmp(argv[1], "copy-to") == 0;
    const bool users = std::strcmp(argv[1], "users") == 0 && argc == 4 && std::strcmp(argv[2], "find") == 0,
               user = std::strcmp(argv[1], "user") == 0 && argc == 4,
               mail = std::strcmp(argv[1], "mail") == 0 && (argc == 2 || (argc == 3 && std::strcmp(argv[2], "retry") == 0));
    if (!(((migrate || check || purge) && argc == 2) || ((two_factor_off || copy) && argc == 3) || events || users || user || mail))
        return usage();
    try {
        auth::crypto_init();
        auth::Config config = auth::load_config_from_process();
        if (copy) return copy_to(config, argv[2]);
        if (check) {
            std::printf("configuration ok: %s\n", config.base_url.c_str());
            return 0;
        }
        std::string path = config.database_path;
        auth::App app(std::move(config));  // loads what the pages need
        app.store().open();                 // opens and migrates the database
        if (two_factor_off) {
            auto email = auth::normalize_email(argv[2]);
            if (!email || !app.accounts.admin_turn_off_two_factor(*email, shell_client(), shell_actor())) {
                std::fprintf(stderr, "sessionauth-admin: %s has no account with two-step login on\n", argv[2]);
                return 1;
            }
            std::printf("two-step login turned off for %s; a notice is queued to that address\n", email->c_str());
            return 0;
        }
        if (events) return print_events(app, argc, argv);
        if (users) return find_users(app, argv[3]);
        if (user) return user_command(app, argv[2], argv[3]);
        if (mail) return mail_command(app, argc == 3);
        if (purge) {
            auth::PurgeCounts n = app.accounts.housekeeping();
            std::printf("purged: expired rows of sessions, links, requests and limits; %lld events older than %lld days; "
                        "%lld picture files no account uses\n",
                        static_cast<long long>(n.events), static_cast<long long>(app.config().event_retention_days),
                        static_cast<long long>(n.pictures));
            return 0;
        }
        // A PostgreSQL URL may hold a password: never printed.
        std::string where = app.config().database_url.empty() ? path : "PostgreSQL (DATABASE_URL)";
        std::printf("database %s at schema version %d\n", where.c_str(), app.store().schema_version());
        return 0;
    } catch (const std::exception& e) {
        auth::log_line(std::string("cannot ") + argv[1] + ": " + e.what());
        return 1;
    }
}
