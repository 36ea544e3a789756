// Administration from the shell: `sessionauth-admin migrate` creates or
// migrates the database named by the env file (AUTH_ENV) and checks the
// configuration; `sessionauth-admin check` only checks.
#include <cstdio>
#include <cstring>
#include <exception>

#include "core/config.hh"
#include "core/crypto.hh"
#include "core/log.hh"
#include "store/sqlite/schema.hh"
#include "store/sqlite/stores.hh"
#include "web/app.hh"

int main(int argc, char** argv) {
    auth::set_program_name("sessionauth-admin");
    if (argc != 2 || (std::strcmp(argv[1], "migrate") != 0 && std::strcmp(argv[1], "check") != 0)) {
        std::fprintf(stderr, "usage: sessionauth-admin migrate|check   (reads the env file named by AUTH_ENV)\n");
        return 2;
    }
    try {
        auth::crypto_init();
        auth::Config config = auth::load_config_from_process();
        if (std::strcmp(argv[1], "check") == 0) {
            std::printf("configuration ok: %s\n", config.base_url.c_str());
            return 0;
        }
        std::string path = config.database_path;
        auth::App app(std::move(config));  // opens and migrates, loads what the pages need
        auto& store = dynamic_cast<auth::SqliteStore&>(app.store());
        std::printf("database %s at schema version %d\n", path.c_str(), auth::schema_version(store.db()));
        return 0;
    } catch (const std::exception& e) {
        auth::log_line(std::string("cannot ") + argv[1] + ": " + e.what());
        return 1;
    }
}
