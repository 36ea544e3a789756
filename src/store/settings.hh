// What a store needs from the configuration, whichever database holds it.
#pragma once
#include <cstdint>
#include <string>

#include "core/config.hh"

namespace auth {

struct StoreSettings {
    std::string path;  // the SQLite file
    std::int64_t session_idle_timeout = 1800;
    std::int64_t session_absolute_timeout = 43200;
    std::int64_t reset_token_ttl = 1800;
    std::int64_t email_change_ttl = 86400;
    std::int64_t signup_token_ttl = 86400;
    // PostgreSQL (when url is not empty).
    std::string url;
    std::int64_t statement_timeout = 5000;
    std::int64_t connect_timeout = 5;

    static StoreSettings of(const Config& c) {
        return {c.database_path,  c.session_idle_timeout, c.session_absolute_timeout,
                c.reset_token_ttl, c.email_change_ttl,     c.signup_token_ttl,
                c.database_url,    c.database_statement_timeout, c.database_connect_timeout};
    }
};

}  // namespace auth
