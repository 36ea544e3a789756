// Schema migrations on PostgreSQL: the table schema_migrations holds one
// row per step of store/migrations.cc applied. Each process brings the
// database forward at start, under a transaction-level advisory lock, so
// processes starting at once on several nodes apply each step once (DDL is
// transactional: a step half done is no step).
#pragma once

namespace auth {

class PgConn;

int pg_schema_version(PgConn& db);
void pg_migrate(PgConn& db);

}  // namespace auth
