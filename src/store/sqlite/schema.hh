// Schema migrations: PRAGMA user_version is the number of migrations applied;
// each process brings the file forward at start, under BEGIN IMMEDIATE, so
// concurrent starts apply each step once.
#pragma once

namespace auth {

class Db;

int schema_version(Db& db);
int latest_schema_version();
void migrate(Db& db);

}  // namespace auth
