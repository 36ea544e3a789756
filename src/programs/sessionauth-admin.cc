// Administration from the shell: `sessionauth-admin migrate` creates or
// migrates the database named by the env file (AUTH_ENV) and checks the
// configuration; `sessionauth-admin check` only checks;
// `sessionauth-admin two-factor-off EMAIL` turns two-step login off for an
// account whose owner lost both the phone and the recovery codes (after
// the administrator has made sure, by other means, that it is the owner).
#include <cstdio>
#include <cstring>
#include <exception>

#include "core/config.hh"
#include "core/crypto.hh"
#include "core/log.hh"
#include "core/validate.hh"
#include "store/sqlite/schema.hh"
#include "store/sqlite/stores.hh"
#include "web/app.hh"

namespace {

int usage() {
    std::fprintf(stderr,
                 "usage: sessionauth-admin migrate|check|two-factor-off EMAIL   (reads the env file named by AUTH_ENV)\n");
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    auth::set_program_name("sessionauth-admin");
    if (argc < 2) return usage();
    const bool migrate = std::strcmp(argv[1], "migrate") == 0, check = std::strcmp(argv[1], "check") == 0,
               two_factor_off = std::strcmp(argv[1], "two-factor-off") == 0;
    if (!(((migrate || check) && argc == 2) || (two_factor_off && argc == 3))) return usage();
    try {
        auth::crypto_init();
        auth::Config config = auth::load_config_from_process();
        if (check) {
            std::printf("configuration ok: %s\n", config.base_url.c_str());
            return 0;
        }
        std::string path = config.database_path;
        auth::App app(std::move(config));  // loads what the pages need
        app.store().open();                 // opens and migrates the database
        if (two_factor_off) {
            auto email = auth::normalize_email(argv[2]);
            if (!email || !app.accounts.admin_turn_off_two_factor(*email)) {
                std::fprintf(stderr, "sessionauth-admin: %s has no account with two-step login on\n", argv[2]);
                return 1;
            }
            std::printf("two-step login turned off for %s; a notice is queued to that address\n", email->c_str());
            return 0;
        }
        auto& store = dynamic_cast<auth::SqliteStore&>(app.store());
        std::printf("database %s at schema version %d\n", path.c_str(), auth::schema_version(store.db()));
        return 0;
    } catch (const std::exception& e) {
        auth::log_line(std::string("cannot ") + argv[1] + ": " + e.what());
        return 1;
    }
}
