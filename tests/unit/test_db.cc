// Tests for db and schema: pragmas, statements and their cache, transactions,
// errors, and migrations.
#include <cppunit/extensions/HelperMacros.h>
#include <sqlite3.h>

#include <cstring>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

#include "store/sqlite/db.hh"
#include "store/sqlite/schema.hh"
#include "support.hh"

namespace {

int prepared_statements(auth::Db& db) {
    int n = 0;
    for (sqlite3_stmt* s = sqlite3_next_stmt(db.handle(), nullptr); s; s = sqlite3_next_stmt(db.handle(), s)) ++n;
    return n;
}

std::int64_t count_rows(auth::Db& db) {
    auto q = db.query("SELECT count(*) FROM t");
    q.step();
    return q.int64(0);
}

void insert(auth::Db& db, std::int64_t x) { db.query("INSERT INTO t (x) VALUES (?)").bind(1, x).exec(); }

bool table_exists(auth::Db& db, const std::string& name) {
    auto q = db.query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?");
    q.bind(1, name);
    return q.step();
}

}  // namespace

class DbTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(DbTest);
    CPPUNIT_TEST(opens_in_wal_mode);
    CPPUNIT_TEST(foreign_keys_busy_timeout_and_secure_delete_are_on);
    CPPUNIT_TEST(page_cache_is_small_after_the_on_open_step);
    CPPUNIT_TEST(cannot_open_a_missing_directory);
    CPPUNIT_TEST(opens_at_the_first_statement_and_runs_on_open_once);
    CPPUNIT_TEST(a_failed_on_open_step_is_tried_again);
    CPPUNIT_TEST(transaction_commits);
    CPPUNIT_TEST(transaction_rolls_back_without_commit);
    CPPUNIT_TEST(transaction_rolls_back_when_an_exception_passes);
    CPPUNIT_TEST(transaction_holds_the_write_lock);
    CPPUNIT_TEST(bad_sql_is_a_db_error);
    CPPUNIT_TEST(duplicate_insert_is_a_unique_violation);
    CPPUNIT_TEST(statements_are_prepared_once);
    CPPUNIT_TEST(statements_are_cached_by_their_text);
    CPPUNIT_TEST(sql_from_a_destroyed_string_leaves_no_dangling_key);
    CPPUNIT_TEST(texts_alike_but_for_one_inner_byte_are_two_statements);
    CPPUNIT_TEST(statement_is_reset_when_it_goes_out_of_scope);
    CPPUNIT_TEST(binds_and_reads_values);
    CPPUNIT_TEST(migrate_creates_the_latest_schema);
    CPPUNIT_TEST(migrate_twice_is_harmless);
    CPPUNIT_TEST(migrate_refuses_a_newer_database);
    CPPUNIT_TEST(schema_enforces_foreign_keys_and_cascades);
    CPPUNIT_TEST(schema_email_is_unique_ignoring_case);
    CPPUNIT_TEST_SUITE_END();

public:
    void setUp() override {
        dir_ = std::make_unique<test::TempDir>();
        db_ = std::make_unique<auth::Db>(path());
        db_->run("CREATE TABLE t (x INTEGER, s TEXT UNIQUE)");
    }

    void tearDown() override {
        db_.reset();
        dir_.reset();
    }

    void opens_in_wal_mode() {
        auto q = db_->query("PRAGMA journal_mode");
        CPPUNIT_ASSERT(q.step());
        CPPUNIT_ASSERT_EQUAL(std::string("wal"), q.text(0));
    }

    void foreign_keys_busy_timeout_and_secure_delete_are_on() {
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), pragma("PRAGMA foreign_keys"));
        CPPUNIT_ASSERT(pragma("PRAGMA busy_timeout") >= 1000);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), pragma("PRAGMA secure_delete"));
    }

    // Each process's own page cache is 256 KiB (a page program's idle RSS
    // grew with every page it read); the migrations (the on-open step) still
    // have SQLite's default for their table copies and index builds.
    void page_cache_is_small_after_the_on_open_step() {
        std::int64_t during = -256;  // stays so (and fails) if the step never ran
        auth::Db db(dir_->file("cache.sqlite"), [&during](auth::Db& d) {
            auto q = d.query("PRAGMA cache_size");
            CPPUNIT_ASSERT(q.step());
            during = q.int64(0);
        });
        auto q = db.query("PRAGMA cache_size");
        CPPUNIT_ASSERT(q.step());
        CPPUNIT_ASSERT_EQUAL(std::int64_t(-256), q.int64(0));
        CPPUNIT_ASSERT(during != -256);
    }

    void cannot_open_a_missing_directory() {
        auth::Db db(dir_->file("no/such/dir/db.sqlite"));
        CPPUNIT_ASSERT_THROW(db.open(), auth::DbError);
        CPPUNIT_ASSERT_THROW(db.query("SELECT 1"), auth::DbError);  // and again at the next statement
    }

    // The file is opened by the first statement (plain CGI: a page that reads
    // nothing never opens it), then the on-open step runs once.
    void opens_at_the_first_statement_and_runs_on_open_once() {
        std::string path = dir_->file("lazy.sqlite");
        int opened = 0;
        auth::Db db(path, [&opened](auth::Db& d) {
            ++opened;
            d.run("CREATE TABLE IF NOT EXISTS t (x INTEGER)");
        });
        CPPUNIT_ASSERT(!std::filesystem::exists(path));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), count_rows(db));
        CPPUNIT_ASSERT(std::filesystem::exists(path));
        insert(db, 1);
        db.open();
        CPPUNIT_ASSERT_EQUAL(1, opened);
    }

    // An on-open step that fails (a migration meeting a locked file) leaves
    // the connection closed, so the next statement tries again.
    void a_failed_on_open_step_is_tried_again() {
        int calls = 0;
        auth::Db db(dir_->file("retry.sqlite"), [&calls](auth::Db& d) {
            if (++calls == 1) throw auth::DbError("busy", SQLITE_BUSY);
            d.run("CREATE TABLE IF NOT EXISTS t (x INTEGER)");
        });
        CPPUNIT_ASSERT_THROW(db.query("SELECT count(*) FROM t"), auth::DbError);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), count_rows(db));
        CPPUNIT_ASSERT_EQUAL(2, calls);
    }

    void transaction_commits() {
        {
            auth::Transaction tx(*db_);
            insert(*db_, 1);
            tx.commit();
        }
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), count_rows(*db_));
        auth::Db other(path());  // visible to another connection
        auto q = other.query("SELECT count(*) FROM t");
        q.step();
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), q.int64(0));
    }

    void transaction_rolls_back_without_commit() {
        {
            auth::Transaction tx(*db_);
            insert(*db_, 1);
            insert(*db_, 2);
            CPPUNIT_ASSERT_EQUAL(std::int64_t(2), count_rows(*db_));
        }
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), count_rows(*db_));
        // The connection is usable afterwards: a new transaction starts.
        auth::Transaction tx(*db_);
        insert(*db_, 3);
        tx.commit();
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), count_rows(*db_));
    }

    void transaction_rolls_back_when_an_exception_passes() {
        try {
            auth::Transaction tx(*db_);
            insert(*db_, 1);
            throw std::runtime_error("page failed");
        } catch (const std::runtime_error&) {
        }
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), count_rows(*db_));
    }

    void transaction_holds_the_write_lock() {
        // BEGIN IMMEDIATE: a second writer waits, and past its busy timeout
        // gets a DbError that says busy (the 503 case).
        auth::Db other(path());
        sqlite3_busy_timeout(other.handle(), 20);
        auth::Transaction tx(*db_);
        bool busy = false;
        try {
            auth::Transaction second(other);
        } catch (const auth::DbError& e) {
            busy = e.busy();
        }
        CPPUNIT_ASSERT(busy);
        tx.commit();
        auth::Transaction now_free(other);  // after the commit it can write
        now_free.commit();
    }

    void bad_sql_is_a_db_error() {
        bool thrown = false;
        try {
            db_->query("SELEC nonsense FROM nowhere");
        } catch (const auth::DbError& e) {
            thrown = true;
            CPPUNIT_ASSERT(e.code() != SQLITE_OK);
            CPPUNIT_ASSERT(!e.busy());
            CPPUNIT_ASSERT(!e.unique_violation());
        }
        CPPUNIT_ASSERT(thrown);
        CPPUNIT_ASSERT_THROW(db_->run("CREATE TABLE t (x)"), auth::DbError);  // exists already
        CPPUNIT_ASSERT_THROW(db_->query("SELECT * FROM missing_table"), auth::DbError);
    }

    void duplicate_insert_is_a_unique_violation() {
        db_->query("INSERT INTO t (x, s) VALUES (1, 'same')").exec();
        bool unique = false;
        int code = 0;
        try {
            db_->query("INSERT INTO t (x, s) VALUES (2, 'same')").exec();
        } catch (const auth::DbError& e) {
            unique = e.unique_violation();
            code = e.code();
        }
        CPPUNIT_ASSERT(unique);
        CPPUNIT_ASSERT_EQUAL(SQLITE_CONSTRAINT_UNIQUE, code);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), count_rows(*db_));
    }

    void statements_are_prepared_once() {
        static const char* const sql = "SELECT x FROM t WHERE x = ?";
        db_->query(sql).bind(1, std::int64_t(1)).step();
        int after_first = prepared_statements(*db_);
        for (int i = 0; i < 5; ++i) db_->query(sql).bind(1, std::int64_t(i)).step();
        CPPUNIT_ASSERT_EQUAL(after_first, prepared_statements(*db_));
        db_->query("SELECT s FROM t").step();
        CPPUNIT_ASSERT_EQUAL(after_first + 1, prepared_statements(*db_));
    }

    void statements_are_cached_by_their_text() {
        // Two different buffers, the same text: one statement between them.
        char first[] = "SELECT x FROM t WHERE x = ?";
        const std::string second(first);
        CPPUNIT_ASSERT(static_cast<const void*>(first) != static_cast<const void*>(second.data()));
        insert(*db_, 4);
        {
            auto q = db_->query(first);
            CPPUNIT_ASSERT(q.bind(1, std::int64_t(4)).step());
        }
        int after_first = prepared_statements(*db_);
        {
            auto q = db_->query(second);
            CPPUNIT_ASSERT(q.bind(1, std::int64_t(4)).step());
            CPPUNIT_ASSERT_EQUAL(std::int64_t(4), q.int64(0));
        }
        CPPUNIT_ASSERT_EQUAL(after_first, prepared_statements(*db_));
        // One buffer, another text written into it: another statement (a
        // cache keyed by the address would hand back the first one).
        std::memcpy(first, "SELECT s FROM t WHERE x = ?", sizeof first);
        db_->query("UPDATE t SET s = 'four' WHERE x = 4").exec();
        {
            auto q = db_->query(first);
            CPPUNIT_ASSERT(q.bind(1, std::int64_t(4)).step());
            CPPUNIT_ASSERT_EQUAL(std::string("four"), q.text(0));
        }
    }

    void sql_from_a_destroyed_string_leaves_no_dangling_key() {
        insert(*db_, 7);
        const std::string table = "t";  // as a per-table statement would be built
        auto select_x = [&] { return "SELECT x FROM " + table + " WHERE x = ? -- long enough for the heap"; };
        {
            std::string sql = select_x();
            auto q = db_->query(sql);
            CPPUNIT_ASSERT(q.bind(1, std::int64_t(7)).step());
        }  // the string and its buffer are gone; the cache keeps its own copy
        int cached = prepared_statements(*db_);
        {
            // Same length, other text: likely in the freed buffer.
            std::string other = "SELECT s FROM " + table + " WHERE x = ? -- long enough for the heap";
            auto q = db_->query(other);
            CPPUNIT_ASSERT(q.bind(1, std::int64_t(7)).step());
            CPPUNIT_ASSERT(q.is_null(0));
        }
        CPPUNIT_ASSERT_EQUAL(cached + 1, prepared_statements(*db_));
        auto q = db_->query(select_x());  // a temporary: found, not prepared again
        CPPUNIT_ASSERT(q.bind(1, std::int64_t(7)).step());
        CPPUNIT_ASSERT_EQUAL(std::int64_t(7), q.int64(0));
        CPPUNIT_ASSERT(!q.step());
        CPPUNIT_ASSERT_EQUAL(cached + 1, prepared_statements(*db_));
    }

    // The cache hashes a text's length and three words of it (its start,
    // middle and end); these two differ only at byte 10, which none of
    // them covers, so they hash alike and only the full comparison tells
    // them apart.
    void texts_alike_but_for_one_inner_byte_are_two_statements() {
        insert(*db_, 5);
        db_->query("UPDATE t SET s = 'five' WHERE x = 5").exec();
        const std::string by_x = "SELECT 1, x FROM t WHERE x = ? -- the rest is padding text";
        const std::string by_s = "SELECT 1, s FROM t WHERE x = ? -- the rest is padding text";
        CPPUNIT_ASSERT_EQUAL(by_x.size(), by_s.size());
        int before = prepared_statements(*db_);
        for (int round = 0; round < 2; ++round) {
            {
                auto q = db_->query(by_x);
                CPPUNIT_ASSERT(q.bind(1, std::int64_t(5)).step());
                CPPUNIT_ASSERT_EQUAL(std::int64_t(5), q.int64(1));
            }
            {
                auto q = db_->query(by_s);
                CPPUNIT_ASSERT(q.bind(1, std::int64_t(5)).step());
                CPPUNIT_ASSERT_EQUAL(std::string("five"), q.text(1));
            }
        }
        CPPUNIT_ASSERT_EQUAL(before + 2, prepared_statements(*db_));
    }

    void statement_is_reset_when_it_goes_out_of_scope() {
        insert(*db_, 10);
        insert(*db_, 20);
        static const char* const sql = "SELECT x FROM t WHERE x >= ? ORDER BY x";
        {
            auto q = db_->query(sql);
            q.bind(1, std::int64_t(0));
            CPPUNIT_ASSERT(q.step());
            CPPUNIT_ASSERT_EQUAL(std::int64_t(10), q.int64(0));
        }
        {
            auto q = db_->query(sql);
            q.bind(1, std::int64_t(15));
            CPPUNIT_ASSERT(q.step());  // starts again from the top, with the new binding
            CPPUNIT_ASSERT_EQUAL(std::int64_t(20), q.int64(0));
            CPPUNIT_ASSERT(!q.step());
        }
        {
            auto q = db_->query(sql);  // bindings cleared: x >= NULL matches nothing
            CPPUNIT_ASSERT(!q.step());
        }
    }

    void binds_and_reads_values() {
        db_->run("CREATE TABLE v (i INTEGER, t TEXT, b BLOB, n TEXT)");
        const std::string blob("\0\x01\xff\0z", 5);
        auto ins = db_->query("INSERT INTO v (i, t, b, n) VALUES (?, ?, ?, ?)");
        ins.bind(1, std::int64_t(1) << 40).bind(2, std::string_view("ünï 'quoted'; DROP TABLE v;--")).bind_blob(3, blob).bind_null(4);
        ins.exec();
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), db_->last_insert_rowid());
        CPPUNIT_ASSERT_EQUAL(1, db_->changes());
        auto q = db_->query("SELECT i, t, b, n FROM v");
        CPPUNIT_ASSERT(q.step());
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1) << 40, q.int64(0));
        CPPUNIT_ASSERT_EQUAL(std::string("ünï 'quoted'; DROP TABLE v;--"), q.text(1));
        CPPUNIT_ASSERT_EQUAL(blob, q.text(2));
        CPPUNIT_ASSERT(q.is_null(3));
        CPPUNIT_ASSERT(!q.is_null(0));
        CPPUNIT_ASSERT(!q.step());
    }

    void migrate_creates_the_latest_schema() {
        CPPUNIT_ASSERT_EQUAL(0, auth::schema_version(*db_));
        auth::migrate(*db_);
        CPPUNIT_ASSERT(auth::latest_schema_version() >= 1);
        CPPUNIT_ASSERT_EQUAL(auth::latest_schema_version(), auth::schema_version(*db_));
        for (const char* table : {"users", "sessions", "login_failures", "reset_tokens", "settings"})
            CPPUNIT_ASSERT_MESSAGE(table, table_exists(*db_, table));
    }

    void migrate_twice_is_harmless() {
        auth::migrate(*db_);
        db_->query("INSERT INTO settings (key, value) VALUES ('k', 'v')").exec();
        auth::migrate(*db_);
        auth::Db other(path());  // as a second process starting
        auth::migrate(other);
        CPPUNIT_ASSERT_EQUAL(auth::latest_schema_version(), auth::schema_version(other));
        auto q = other.query("SELECT value FROM settings WHERE key = 'k'");
        CPPUNIT_ASSERT(q.step());
        CPPUNIT_ASSERT_EQUAL(std::string("v"), q.text(0));
    }

    void migrate_refuses_a_newer_database() {
        std::string pragma_sql = "PRAGMA user_version=" + std::to_string(auth::latest_schema_version() + 1);
        db_->run(pragma_sql.c_str());
        CPPUNIT_ASSERT_THROW(auth::migrate(*db_), auth::DbError);
        CPPUNIT_ASSERT(!table_exists(*db_, "users"));
    }

    void schema_enforces_foreign_keys_and_cascades() {
        auth::migrate(*db_);
        CPPUNIT_ASSERT_THROW(db_->query("INSERT INTO sessions (token_hash, user_id, created_at, last_seen) VALUES (x'00', 999, 0, 0)")
                                 .exec(),
                             auth::DbError);
        db_->query("INSERT INTO users (email, name, password_hash, created_at, updated_at, password_changed_at) "
                   "VALUES ('a@x.test', 'A', 'h', 0, 0, 0)")
            .exec();
        std::int64_t user = db_->last_insert_rowid();
        db_->query("INSERT INTO sessions (token_hash, user_id, created_at, last_seen) VALUES (x'01', ?, 0, 0)").bind(1, user).exec();
        db_->query("DELETE FROM users WHERE id = ?").bind(1, user).exec();
        auto q = db_->query("SELECT count(*) FROM sessions");
        q.step();
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), q.int64(0));
    }

    void schema_email_is_unique_ignoring_case() {
        auth::migrate(*db_);
        static const char* const sql =
            "INSERT INTO users (email, name, password_hash, created_at, updated_at, password_changed_at) VALUES (?, 'A', 'h', 0, 0, 0)";
        db_->query(sql).bind(1, std::string_view("a@x.test")).exec();
        bool unique = false;
        try {
            db_->query(sql).bind(1, std::string_view("A@X.TEST")).exec();
        } catch (const auth::DbError& e) {
            unique = e.unique_violation();
        }
        CPPUNIT_ASSERT(unique);
    }

private:
    std::string path() const { return dir_->file("db.sqlite"); }

    std::int64_t pragma(const char* sql) {
        auto q = db_->query(sql);
        CPPUNIT_ASSERT(q.step());
        return q.int64(0);
    }

    std::unique_ptr<test::TempDir> dir_;
    std::unique_ptr<auth::Db> db_;
};

CPPUNIT_TEST_SUITE_REGISTRATION(DbTest);
