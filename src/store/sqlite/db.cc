#include "store/sqlite/db.hh"

#include <sqlite3.h>

#include <cstring>

#include "core/log.hh"

namespace auth {

namespace {
[[noreturn]] void fail(sqlite3* db, int rc, const std::string& what) {
    std::string msg = what + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    throw DbError(msg, db ? sqlite3_extended_errcode(db) : rc);
}
}  // namespace

bool DbError::busy() const { return (code_ & 0xff) == SQLITE_BUSY || (code_ & 0xff) == SQLITE_LOCKED; }
bool DbError::unique_violation() const { return code_ == SQLITE_CONSTRAINT_UNIQUE || code_ == SQLITE_CONSTRAINT_PRIMARYKEY; }

void Db::StmtDeleter::operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }

std::size_t Db::SqlHash::operator()(std::string_view sql) const noexcept {
    if (sql.size() < 24) return std::hash<std::string_view>{}(sql);
    std::uint64_t h = sql.size();
    for (std::size_t at : {std::size_t{0}, sql.size() / 2, sql.size() - 8}) {
        std::uint64_t word;
        std::memcpy(&word, sql.data() + at, sizeof word);
        h = (h ^ word) * 0x9E3779B97F4A7C15u;
        h ^= h >> 29;
    }
    return static_cast<std::size_t>(h);
}

Db::Db(std::string path, std::function<void(Db&)> on_open) : path_(std::move(path)), on_open_(std::move(on_open)) {}

namespace {
// SQLite counts every allocation it makes, for sqlite3_memory_used() and a
// soft heap limit, under a process-wide mutex: some forty locks a request
// for a count nothing here reads. Turned off once, before SQLite starts (a
// process that started it already keeps counting: sqlite3_config refuses).
void configure_sqlite() {
    static const int once = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    (void)once;
}
}  // namespace

void Db::open() {
    if (db_) return;
    configure_sqlite();
    int rc = sqlite3_open_v2(path_.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) {
        std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
        sqlite3_close(db_);
        db_ = nullptr;
        throw DbError("cannot open database " + path_ + ": " + msg, rc);
    }
    try {
        sqlite3_extended_result_codes(db_, 1);
        sqlite3_busy_timeout(db_, 5000);
        run("PRAGMA journal_mode=WAL");
        run("PRAGMA synchronous=NORMAL");
        run("PRAGMA foreign_keys=ON");
        run("PRAGMA secure_delete=ON");
        if (on_open_) on_open_(*this);
        // SQLite's own page cache, 2 MiB by default, is private to each
        // process: a page program's idle RSS grew with every page of the
        // file it had read (284 KiB from the 50th to the 800th login, on the
        // way to 2 MiB), while the kernel keeps the file's pages once for all of
        // them. In WAL mode the cache is dropped whenever another process
        // has written, so a page program gains little from a large one; the
        // pages one request touches fit in 256 KiB. Set after the
        // migrations: their table copies and index builds keep their pages
        // and sort runs in memory up to this size (sorts get at least 250
        // pages whatever it is).
        run("PRAGMA cache_size=-256");
    } catch (...) {
        cache_.clear();
        sqlite3_close(db_);
        db_ = nullptr;
        throw;
    }
}

Db::~Db() {
    cache_.clear();
    if (db_) sqlite3_close(db_);
}

Statement Db::query(std::string_view sql) {
    auto it = cache_.find(sql);
    if (it == cache_.end()) {
        sqlite3_stmt* stmt = nullptr;
        sqlite3* db = connection();
        int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
        if (rc != SQLITE_OK) fail(db, rc, std::string("prepare failed"));
        it = cache_.emplace(std::string(sql), std::unique_ptr<sqlite3_stmt, StmtDeleter>(stmt)).first;
    }
    return Statement(*this, it->second.get());
}

void Db::run(const char* sql) {
    sqlite3* db = connection();
    const char* tail = sql;
    while (tail && *tail) {
        sqlite3_stmt* raw = nullptr;
        int rc = sqlite3_prepare_v2(db, tail, -1, &raw, &tail);
        if (rc != SQLITE_OK) fail(db, rc, "prepare failed");
        if (!raw) break;  // only whitespace or comments left
        std::unique_ptr<sqlite3_stmt, StmtDeleter> stmt(raw);
        while ((rc = sqlite3_step(raw)) == SQLITE_ROW) {}
        if (rc != SQLITE_DONE) fail(db, rc, "statement failed");
    }
}

std::int64_t Db::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }
int Db::changes() const { return sqlite3_changes(db_); }

Statement::~Statement() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
}

void Statement::check(int rc, const char* what) {
    if (rc != SQLITE_OK) fail(db_.handle(), rc, what);
}

Statement& Statement::bind(int index, std::int64_t value) {
    check(sqlite3_bind_int64(stmt_, index, value), "bind failed");
    return *this;
}

Statement& Statement::bind(int index, std::string_view text) {
    check(sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT), "bind failed");
    return *this;
}

Statement& Statement::bind_blob(int index, std::string_view bytes) {
    check(sqlite3_bind_blob(stmt_, index, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT), "bind failed");
    return *this;
}

Statement& Statement::bind_null(int index) {
    check(sqlite3_bind_null(stmt_, index), "bind failed");
    return *this;
}

bool Statement::step() {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    fail(db_.handle(), rc, "query failed");
}

std::int64_t Statement::int64(int column) const { return sqlite3_column_int64(stmt_, column); }

std::string Statement::text(int column) const {
    const void* p = sqlite3_column_blob(stmt_, column);
    int n = sqlite3_column_bytes(stmt_, column);
    return p ? std::string(static_cast<const char*>(p), static_cast<std::size_t>(n)) : std::string();
}

bool Statement::is_null(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }

Transaction::Transaction(Db& db) : db_(db) { db_.query("BEGIN IMMEDIATE").exec(); }

Transaction::~Transaction() {
    if (!open_) return;
    try {
        db_.query("ROLLBACK").exec();
    } catch (const DbError& e) {
        log_line(std::string("rollback failed: ") + e.what());
    }
}

void Transaction::commit() {
    db_.query("COMMIT").exec();
    open_ = false;
}

}  // namespace auth
