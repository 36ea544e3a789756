// The schema migrations of both databases, from one list: step n brings the
// schema from version n-1 to n, on SQLite (PRAGMA user_version counts the
// steps applied) and on PostgreSQL (the table schema_migrations has one row
// per step applied). A new step adds one entry with the SQL of each.
#pragma once
#include <span>

namespace auth {

struct Migration {
    const char* sqlite;
    const char* postgres;
};

std::span<const Migration> migrations();

}  // namespace auth
