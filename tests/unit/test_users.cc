// Tests for users: the UserStore over a migrated database.
#include <cppunit/extensions/HelperMacros.h>

#include <memory>
#include <string>

#include "store/sqlite/db.hh"
#include "store/store.hh"
#include "support.hh"

class UsersTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(UsersTest);
    CPPUNIT_TEST(create_then_find_by_id);
    CPPUNIT_TEST(a_deleted_accounts_id_is_not_given_again);
    CPPUNIT_TEST(find_by_email_ignores_case);
    CPPUNIT_TEST(create_with_a_taken_email_returns_nullopt);
    CPPUNIT_TEST(create_assigns_distinct_ids);
    CPPUNIT_TEST(update_name);
    CPPUNIT_TEST(update_password_hash_records_when);
    CPPUNIT_TEST(updates_touch_only_their_user);
    CPPUNIT_TEST(unknown_users_are_nullopt);
    CPPUNIT_TEST(values_are_stored_literally);
    CPPUNIT_TEST(count_counts);
    CPPUNIT_TEST_SUITE_END();

public:
    void setUp() override { t_ = std::make_unique<test::TestApp>(); }

    // The event log keeps account.deleted with the account id: the next
    // account must not get that id, or the event would show up as its own.
    void a_deleted_accounts_id_is_not_given_again() {
        auto first = users().create("first@x.test", "First", "h", 1);
        auto& app = *t_->app;
        app.accounts.admin_delete_account(*first, {"127.0.0.1", "test", "test"}, "root");
        auto second = users().create("second@x.test", "Second", "h", 2);
        CPPUNIT_ASSERT(*second > *first);
        CPPUNIT_ASSERT(app.accounts.account_data(*users().find_by_id(*second)).events.empty());
    }
    void tearDown() override { t_.reset(); }

    void create_then_find_by_id() {
        std::int64_t now = t_->clock->now();
        auto id = users().create("ada@example.com", "Ada Lovelace", "$argon2id$fake", now);
        CPPUNIT_ASSERT(id);
        auto u = users().find_by_id(*id);
        CPPUNIT_ASSERT(u);
        CPPUNIT_ASSERT_EQUAL(*id, u->id);
        CPPUNIT_ASSERT_EQUAL(std::string("ada@example.com"), u->email);
        CPPUNIT_ASSERT_EQUAL(std::string("Ada Lovelace"), u->name);
        CPPUNIT_ASSERT_EQUAL(std::string("$argon2id$fake"), u->password_hash);
        CPPUNIT_ASSERT_EQUAL(now, u->created_at);
    }

    void find_by_email_ignores_case() {
        auto id = users().create("a@x.test", "A", "h", 1);
        auto u = users().find_by_email("A@X.test");
        CPPUNIT_ASSERT(u);
        CPPUNIT_ASSERT_EQUAL(*id, u->id);
        CPPUNIT_ASSERT_EQUAL(std::string("a@x.test"), u->email);  // as stored
        CPPUNIT_ASSERT(users().find_by_email("a@X.TEST"));
        CPPUNIT_ASSERT(!users().find_by_email("a@x.test2"));
        CPPUNIT_ASSERT(!users().find_by_email("a@x.tes"));
    }

    void create_with_a_taken_email_returns_nullopt() {
        CPPUNIT_ASSERT(users().create("a@x.test", "First", "h1", 1));
        CPPUNIT_ASSERT(!users().create("a@x.test", "Second", "h2", 2));
        CPPUNIT_ASSERT(!users().create("A@X.TEST", "Third", "h3", 3));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), test::user_count(*t_->app));
        CPPUNIT_ASSERT_EQUAL(std::string("First"), users().find_by_email("a@x.test")->name);
    }

    void create_assigns_distinct_ids() {
        auto a = users().create("a@x.test", "A", "h", 1);
        auto b = users().create("b@x.test", "B", "h", 1);
        CPPUNIT_ASSERT(a && b);
        CPPUNIT_ASSERT(*a != *b);
        CPPUNIT_ASSERT_EQUAL(std::string("B"), users().find_by_id(*b)->name);
    }

    void update_name() {
        auto id = *users().create("a@x.test", "Old Name", "h", 1);
        users().update_name(id, "New Name", 50);
        CPPUNIT_ASSERT_EQUAL(std::string("New Name"), users().find_by_id(id)->name);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(50), column(id, "updated_at"));
    }

    void update_password_hash_records_when() {
        auto id = *users().create("a@x.test", "A", "old-hash", 1);
        users().set_password_hash(id, "new-hash", 77);
        CPPUNIT_ASSERT_EQUAL(std::string("new-hash"), users().find_by_id(id)->password_hash);
        CPPUNIT_ASSERT_EQUAL(std::string("new-hash"), users().find_by_email("a@x.test")->password_hash);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(77), column(id, "password_changed_at"));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(77), column(id, "updated_at"));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), column(id, "created_at"));
    }

    void updates_touch_only_their_user() {
        auto a = *users().create("a@x.test", "A", "ha", 1);
        auto b = *users().create("b@x.test", "B", "hb", 1);
        users().update_name(a, "A2", 2);
        users().set_password_hash(a, "ha2", 2);
        CPPUNIT_ASSERT_EQUAL(std::string("B"), users().find_by_id(b)->name);
        CPPUNIT_ASSERT_EQUAL(std::string("hb"), users().find_by_id(b)->password_hash);
    }

    void unknown_users_are_nullopt() {
        CPPUNIT_ASSERT(!users().find_by_id(12345));
        CPPUNIT_ASSERT(!users().find_by_id(0));
        CPPUNIT_ASSERT(!users().find_by_email("nobody@x.test"));
        CPPUNIT_ASSERT(!users().find_by_email(""));
    }

    void values_are_stored_literally() {
        // Bound, never spliced into SQL (SECURITY.md attack 14).
        const std::string name = "Robert'); DROP TABLE users;-- <b>";
        auto id = users().create("x'or'1'='1@x.test", name, "h", 1);
        CPPUNIT_ASSERT(id);
        CPPUNIT_ASSERT_EQUAL(name, users().find_by_id(*id)->name);
        CPPUNIT_ASSERT(users().find_by_email("x'or'1'='1@x.test"));
        CPPUNIT_ASSERT(!users().find_by_email("' OR '1'='1"));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), test::user_count(*t_->app));
    }

    void count_counts() {
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), test::user_count(*t_->app));
        test::make_user(*t_->app, "a@x.test", test::kGoodPassword);
        test::make_user(*t_->app, "b@x.test", test::kGoodPassword);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(2), test::user_count(*t_->app));
    }

private:
    auth::UserStore& users() { return t_->app->store().users(); }

    std::int64_t column(std::int64_t id, const std::string& name) {
        // Only fixed column names from this file reach the SQL text.
        auto q = test::db(*t_->app).query(name == "updated_at"            ? "SELECT updated_at FROM users WHERE id = ?"
                                   : name == "password_changed_at" ? "SELECT password_changed_at FROM users WHERE id = ?"
                                                                   : "SELECT created_at FROM users WHERE id = ?");
        q.bind(1, id);
        CPPUNIT_ASSERT(q.step());
        return q.int64(0);
    }

    std::unique_ptr<test::TestApp> t_;
};

CPPUNIT_TEST_SUITE_REGISTRATION(UsersTest);
