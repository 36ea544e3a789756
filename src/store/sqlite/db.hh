// The SQLite handle: WAL, a busy timeout, foreign keys, prepared statements
// (cached per connection, by their SQL text) and BEGIN IMMEDIATE write
// transactions. db.cc is the only file in src/ that calls sqlite3_*: the
// schema and every other caller go through Db, Statement and Transaction.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
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
    // The file is opened at the first statement, not here: a plain-CGI
    // request that reads nothing (GET /login without a session) never opens
    // it, which is half of such a request's instructions, and SQLite's
    // rebuilding of the WAL index that every first connection to the file
    // does. `on_open` runs once the connection is open (the migrations); if
    // it throws, the connection is closed again and the next statement tries
    // anew.
    explicit Db(std::string path, std::function<void(Db&)> on_open = {});
    ~Db();
    Db(const Db&) = delete;
    Db& operator=(const Db&) = delete;

    // A prepared statement for `sql`, prepared once per connection and reset
    // when the returned Statement goes out of scope. Cached by the text
    // itself (a copy), so `sql` may be a temporary or a string built at run
    // time: the same text always finds the same statement.
    Statement query(std::string_view sql);
    // Runs statements that take no parameters (schema, pragmas).
    void run(const char* sql);

    // Opens the file now if it is not open yet (a FastCGI process, before
    // its first request, so that a wrong path is told at start).
    void open();

    std::int64_t last_insert_rowid() const;
    int changes() const;

    // What the SQL of store/sql/ asks of its connection, where SQLite and
    // PostgreSQL differ. `column = ?` compared without regard to ASCII case
    // (NOCASE: the columns looked up that way are declared so, and the
    // collation on the parameter makes it hold for the others too).
    static std::string caseless_eq(const char* column) { return std::string(column) + " = ? COLLATE NOCASE"; }
    // A lock on a key until the transaction ends: nothing to do, SQLite's
    // writers take turns (BEGIN IMMEDIATE).
    void lock_key(std::string_view) {}
    sqlite3* handle() { return connection(); }

private:
    struct StmtDeleter { void operator()(sqlite3_stmt* s) const; };
    // Transparent, with std::equal_to<>: find() takes the string_view as it
    // is, without building a std::string per lookup. It hashes the length
    // and three words of the text, not every byte: the statements are a few
    // dozen texts of up to a thousand characters (hashing GET /profile's in
    // full took 600 instructions a request), and the map compares a text it
    // finds in full anyway, so a collision costs a comparison, never a
    // wrong statement.
    struct SqlHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view sql) const noexcept;
    };
    sqlite3* connection() {
        if (!db_) open();
        return db_;
    }
    std::string path_;
    std::function<void(Db&)> on_open_;
    sqlite3* db_ = nullptr;
    std::unordered_map<std::string, std::unique_ptr<sqlite3_stmt, StmtDeleter>, SqlHash, std::equal_to<>> cache_;
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
