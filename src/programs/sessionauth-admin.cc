// Administration from the shell: `sessionauth-admin migrate` creates or
// migrates the database named by the env file (AUTH_ENV) and checks the
// configuration; `sessionauth-admin check` only checks;
// `sessionauth-admin two-factor-off EMAIL` turns two-step login off for an
// account whose owner lost both the phone and the recovery codes (after
// the administrator has made sure, by other means, that it is the owner);
// `sessionauth-admin copy-to DATABASE_URL` copies every table of the site's
// SQLite file into an empty PostgreSQL database and checks the row counts
// (README, "When one machine is not enough").
#include <cstdio>
#include <cstring>
#include <exception>

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
                 "usage: sessionauth-admin migrate|check|two-factor-off EMAIL|copy-to DATABASE_URL   (reads the env file "
                 "named by AUTH_ENV)\n");
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

}  // namespace

int main(int argc, char** argv) {
    auth::set_program_name("sessionauth-admin");
    if (argc < 2) return usage();
    const bool migrate = std::strcmp(argv[1], "migrate") == 0, check = std::strcmp(argv[1], "check") == 0,
               two_factor_off = std::strcmp(argv[1], "two-factor-off") == 0;
    const bool copy = std::strcmp(argv[1], "copy-to") == 0;
    if (!(((migrate || check) && argc == 2) || ((two_factor_off || copy) && argc == 3))) return usage();
    try {
        auth::crypto_init();
        auth::Config config = auth::load_config_from_process();
        if (copy) return copy_to(config, argv[2]);
        if (check) {
            std::printf("configuration ok: %s\n", config.base_url.c_str());
            return 0;
        }
        std::string path = config.database_path;
        auth::App app(std::move(config));  // opens and migrates, loads what the pages need
        if (two_factor_off) {
            auto email = auth::normalize_email(argv[2]);
            if (!email || !app.accounts.admin_turn_off_two_factor(*email)) {
                std::fprintf(stderr, "sessionauth-admin: %s has no account with two-step login on\n", argv[2]);
                return 1;
            }
            std::printf("two-step login turned off for %s; a notice is queued to that address\n", email->c_str());
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
