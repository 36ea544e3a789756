// The SQLite handle: WAL, a busy timeout, foreign keys, prepared statements
// (cached per process) and BEGIN IMMEDIATE write transactions. The only file
// that calls sqlite3_* besides the schema.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>

#include "store/store.hh"

struct sqlite3;
struct sqlite3_stmt;

namespace auth {

class DbError : public StoreError {
public:
    DbError(const std::string& what, int code) : StoreError(what), code_(code) {}
    int code() const { return code_; }
    // The database stayed locked past the busy timeout: worth a 503.
    bool busy() const override;
    bool unique_violation() const;

private:
    int code_;
};

class Statement;

class Db {
public:
    explicit Db(const std::string& path);
    ~Db();
    Db(const Db&) = delete;
    Db& operator=(const Db&) = delete;

    // A prepared statement for `sql`, prepared once per process and reset
    // when the returned Statement goes out of scope.
    Statement query(const char* sql);
    // Runs statements that take no parameters (schema, pragmas).
    void run(const char* sql);

    std::int64_t last_insert_rowid() const;
    int changes() const;
    sqlite3* handle() const { return db_; }

private:
    struct StmtDeleter { void operator()(sqlite3_stmt* s) const; };
    sqlite3* db_ = nullptr;
    std::unordered_map<const char*, std::unique_ptr<sqlite3_stmt, StmtDeleter>> cache_;
};

// A cached statement in use; binds with 1-based indexes; resets on scope exit.
class Statement {
public:
    Statement(Db& db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
    ~Statement();
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    Statement& bind(int index, std::int64_t value);
    Statement& bind(int index, std::string_view text);
    Statement& bind_blob(int index, std::string_view bytes);
    Statement& bind_null(int index);

    // Steps once: true while a row is there.
    bool step();
    // Steps a statement that returns no rows.
    void exec() { step(); }

    std::int64_t int64(int column) const;
    std::string text(int column) const;
    bool is_null(int column) const;

private:
    void check(int rc, const char* what);
    Db& db_;
    sqlite3_stmt* stmt_;
};

// BEGIN IMMEDIATE now; ROLLBACK at scope exit unless commit() was called.
class Transaction {
public:
    explicit Transaction(Db& db);
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    void commit();

private:
    Db& db_;
    bool open_ = true;
};

}  // namespace auth
