// The PostgreSQL connection (libpq): one per process, opened at start and
// opened again after the server restarted or failed over; statements with
// parameters, and write transactions. conn.cc is the only file in src/ that
// calls PQ* functions: the schema and the stores go through PgConn, PgQuery
// and PgTransaction.
//
// Statements are sent with PQexecParams: the unnamed prepared statement of
// the extended protocol (Parse, Bind, Execute in one round trip), parameters
// never spliced into the SQL. Named server-side statements (PQprepare) would
// save the parse, but they live in one server connection, and PgBouncer in
// transaction mode (1.18, Debian 12) hands each transaction to any of its
// connections: a name prepared on one is unknown on the next. The unnamed
// statement works through any pooler (README, "When one machine is not enough").
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "store/store.hh"

struct pg_conn;
struct pg_result;

namespace auth {

class PgError : public StoreError {
public:
    // `sqlstate`: the server's five-character code ("" when there is none);
    // `lost`: the connection broke (the server restarted, failed over, or
    // cannot be reached).
    PgError(const std::string& what, std::string sqlstate, bool lost)
        : StoreError(what), sqlstate_(std::move(sqlstate)), lost_(lost) {}
    const std::string& sqlstate() const { return sqlstate_; }
    bool lost() const { return lost_; }
    // Worth a 503: a lock or the statement timeout ran out, or the server is away.
    bool busy() const override;
    // Worth running the request once more: the connection was lost (it is
    // opened again), or the server chose this transaction as the victim of
    // a deadlock or serialization failure (it was rolled back whole).
    bool retry() const override;
    bool unique_violation() const { return sqlstate_ == "23505"; }

private:
    std::string sqlstate_;
    bool lost_;
};

struct PgConnSettings {
    std::string url;                       // DATABASE_URL (secret: never in a message)
    std::int64_t statement_timeout = 5000;  // ms
    std::int64_t connect_timeout = 5;       // s
};

class PgQuery;

class PgConn {
public:
    // Connects now; throws PgError if the server cannot be reached.
    explicit PgConn(PgConnSettings settings);
    ~PgConn();
    PgConn(const PgConn&) = delete;
    PgConn& operator=(const PgConn&) = delete;

    // A statement for `sql`, whose `?` placeholders become $1, $2, ... (in
    // order, outside quotes); run when first stepped.
    PgQuery query(std::string_view sql);
    // Runs statements that take no parameters (schema).
    void run(const std::string& sql);
    // Connects again now if the connection was lost (outside a transaction);
    // else nothing.
    void open() {
        if (!conn_ && !in_tx_) reconnect();
    }

    // Inside BEGIN ... COMMIT (PgTransaction).
    bool in_transaction() const { return in_tx_; }
    // A lock on `key` held until the transaction ends (pg_advisory_xact_lock):
    // what makes a read-then-write on one key (the counts of the throttle
    // and of the sign-up limits) take turns across nodes. Nothing outside a
    // transaction.
    void lock_key(std::string_view key);
    // Rows the last statement changed.
    std::int64_t changes() const { return changes_; }
    // `column = ?` compared without regard to ASCII case (as SQLite's
    // NOCASE), through the indexed ascii_fold() of migration 1.
    static std::string caseless_eq(const char* column) {
        return "ascii_fold(" + std::string(column) + ") = ascii_fold(?)";
    }
    // Counts the connections made: what a session-level lock was taken on.
    std::int64_t generation() const { return generation_; }

    // Runs `statement` (outside a transaction) once more on a new
    // connection if the first try met a lost one: only for statements that
    // may run twice with one effect (the delivered or failed mark of a mail
    // already sent: not recording it would send it again).
    template <class F>
    void idempotent(F statement) {
        try {
            statement();
        } catch (const PgError& e) {
            if (!e.lost() || in_tx_) throw;
            statement();
        }
    }

    // For PgQuery and PgTransaction.
    pg_result* execute(const std::string& sql, const std::vector<std::optional<std::string>>& values,
                       const std::vector<int>& binary);
    void set_changes(std::int64_t n) { changes_ = n; }
    void begin();
    void commit();
    void rollback() noexcept;

private:
    void connect();
    void connect_within_timeout();
    void reconnect();
    [[noreturn]] void fail(pg_result* result, const std::string& what);
    const std::string& translated(std::string_view sql);

    PgConnSettings settings_;
    pg_conn* conn_ = nullptr;
    bool in_tx_ = false;
    std::int64_t changes_ = 0;
    std::int64_t generation_ = 0;
    std::unordered_map<std::string, std::string> sql_;  // as written -> with $n
};

// One statement: bind (1-based, as on SQLite), then step() through its rows.
class PgQuery {
public:
    PgQuery(PgConn& conn, const std::string& sql) : conn_(conn), sql_(sql) {}
    ~PgQuery();
    PgQuery(PgQuery&& other) noexcept;
    PgQuery(const PgQuery&) = delete;
    PgQuery& operator=(const PgQuery&) = delete;
    PgQuery& operator=(PgQuery&&) = delete;

    PgQuery& bind(int index, std::int64_t value);
    PgQuery& bind(int index, std::string_view text);
    PgQuery& bind_blob(int index, std::string_view bytes);
    PgQuery& bind_null(int index);

    // Runs the statement on the first call; true while a row is there.
    bool step();
    void exec() { step(); }

    std::int64_t int64(int column) const;
    // Text, or the bytes of a bytea column.
    std::string text(int column) const;
    bool is_null(int column) const;

private:
    void set(int index, std::optional<std::string> value, bool binary);
    PgConn& conn_;
    const std::string& sql_;
    std::vector<std::optional<std::string>> values_;
    std::vector<int> binary_;
    pg_result* result_ = nullptr;
    int row_ = -1;
    int rows_ = 0;
};

// BEGIN now; ROLLBACK at scope exit unless commit() was called.
class PgTransaction {
public:
    explicit PgTransaction(PgConn& conn) : conn_(conn) { conn_.begin(); }
    ~PgTransaction() {
        if (open_) conn_.rollback();
    }
    PgTransaction(const PgTransaction&) = delete;
    PgTransaction& operator=(const PgTransaction&) = delete;
    void commit() {
        open_ = false;
        conn_.commit();
    }

private:
    PgConn& conn_;
    bool open_ = true;
};

}  // namespace auth
