// Tests of the PostgreSQL store under concurrency, run only on PostgreSQL
// (TEST_DATABASE_URL; main.cc leaves them out on SQLite): two connections
// stand for two nodes. What SQLite got from BEGIN IMMEDIATE (writers take
// turns) must hold through row locks, per-key locks and constraints: a
// second reservation of the throttle waits for the first and sees it, a
// racing registration of a taken address fails cleanly without spoiling its
// transaction, a link is used once, the outbox claim skips a message another
// node holds, a passkey's counter moves once and its challenge and grant
// are taken once, housekeeping runs on one node at a time; a lost connection is
// an error worth one retry, and the next statement connects again.
#include <cppunit/extensions/HelperMacros.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>

#include "account/throttle.hh"
#include "store/postgres/open.hh"
#include "store/postgres/stores.hh"
#include "store/sqlite/stores.hh"
#include "store/sqlite/tables.hh"
#include "support.hh"
#include "web/open_store.hh"

namespace {

using namespace std::chrono_literals;

class PostgresTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(PostgresTest);
    CPPUNIT_TEST(throttle_reservations_take_turns_across_nodes);
    CPPUNIT_TEST(a_racing_registration_of_one_address_fails_cleanly);
    CPPUNIT_TEST(a_link_is_used_once_across_nodes);
    CPPUNIT_TEST(outbox_claim_skips_a_message_another_node_holds);
    CPPUNIT_TEST(a_passkey_counter_moves_once_across_nodes);
    CPPUNIT_TEST(a_passkey_challenge_and_grant_are_taken_once_across_nodes);
    CPPUNIT_TEST(a_network_counts_its_passkey_challenges_in_turn_across_nodes);
    CPPUNIT_TEST(housekeeping_runs_on_one_node_at_a_time);
    CPPUNIT_TEST(a_lost_connection_is_retried_and_opened_again);
    CPPUNIT_TEST(migrations_are_counted_in_schema_migrations);
    CPPUNIT_TEST(copy_to_brings_a_sqlite_site_across);
    CPPUNIT_TEST(copy_to_refuses_a_database_that_is_not_empty);
    CPPUNIT_TEST_SUITE_END();

    std::unique_ptr<test::TestApp> t_;
    std::unique_ptr<auth::Store> a_, b_;  // two nodes

public:
    void setUp() override {
        t_ = std::make_unique<test::TestApp>();
        a_ = auth::open_store(t_->app->config(), *t_->clock);
        b_ = auth::open_store(t_->app->config(), *t_->clock);
    }
    void tearDown() override {
        a_.reset();
        b_.reset();
        t_.reset();
    }

    void throttle_reservations_take_turns_across_nodes() {
        auth::LoginThrottle on_a(a_->throttle(), *t_->clock), on_b(b_->throttle(), *t_->clock);
        for (int i = 0; i < 4; ++i) a_->throttle().record("ada@example.test", "10.0.0.1", t_->clock->now());
        auto tx = a_->begin_write();
        auto first = on_a.reserve("ada@example.test", "10.0.0.1");  // the fifth: allowed
        CPPUNIT_ASSERT(!first.retry_after);
        std::atomic<bool> done{false};
        auth::LoginThrottle::Reservation second;
        std::thread other([&] {
            auto tx_b = b_->begin_write();
            second = on_b.reserve("ada@example.test", "10.0.0.1");
            done = true;
            tx_b->commit();
        });
        std::this_thread::sleep_for(300ms);
        bool waited = !done;
        tx->commit();
        other.join();
        CPPUNIT_ASSERT(waited);                // it waited for the first to commit
        CPPUNIT_ASSERT(second.retry_after);    // and then saw five failures
        CPPUNIT_ASSERT_EQUAL(std::int64_t(5), test::login_failures_for(*t_->app, "ada@example.test"));
    }

    void a_racing_registration_of_one_address_fails_cleanly() {
        auto tx = a_->begin_write();
        auto mine = a_->users().create("ada@example.test", "Ada", "hash", t_->clock->now());
        CPPUNIT_ASSERT(mine);
        std::optional<std::int64_t> theirs = 42;
        std::thread other([&] {
            auto tx_b = b_->begin_write();
            b_->signups().record_request("ADA@example.test", "10.0.0.2", t_->clock->now());
            theirs = b_->users().create("ADA@example.test", "Eve", "hash", t_->clock->now());
            tx_b->commit();  // what else it did still commits
        });
        std::this_thread::sleep_for(200ms);
        tx->commit();
        other.join();
        CPPUNIT_ASSERT(!theirs);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), test::user_count(*t_->app));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), a_->signups().requests_from("10.0.0.2", t_->clock->now() - 60));
    }

    void a_link_is_used_once_across_nodes() {
        std::int64_t id = test::make_user(*t_->app, "ada@example.test", test::kGoodPassword);
        std::string token = a_->reset_tokens().issue(id);
        auto tx = a_->begin_write();
        CPPUNIT_ASSERT(a_->reset_tokens().consume(token));
        std::optional<auth::TokenCheck> theirs;
        std::thread other([&] {
            auto tx_b = b_->begin_write();
            theirs = b_->reset_tokens().consume(token);
            tx_b->commit();
        });
        std::this_thread::sleep_for(200ms);
        tx->commit();
        other.join();
        CPPUNIT_ASSERT(!theirs);
        CPPUNIT_ASSERT(b_->reset_tokens().check(token).state == auth::TokenState::Used);
    }

    void outbox_claim_skips_a_message_another_node_holds() {
        std::int64_t now = t_->clock->now();
        a_->outbox().add("from@x.test", "one@x.test", "n", "s", 0, now, now + 600);
        a_->outbox().add("from@x.test", "two@x.test", "n", "s", 0, now, now + 600);
        auto& conn = dynamic_cast<auth::PgStore&>(*a_).db();
        auth::PgTransaction hold(conn);  // node A is claiming the first message
        conn.query("SELECT id FROM outbox WHERE recipient = 'one@x.test' FOR UPDATE").exec();
        auto retry = [](std::int64_t) -> std::int64_t { return 60; };
        auto m = b_->outbox().claim_next(now, now + 120, retry);  // does not wait
        CPPUNIT_ASSERT(m);
        CPPUNIT_ASSERT_EQUAL(std::string("two@x.test"), m->recipient);
        CPPUNIT_ASSERT(!b_->outbox().claim_next(now, now + 120, retry));  // nothing else free
    }

    // Two assertions with one counter on two nodes: B's conditional UPDATE
    // waits for A's row lock, then finds the counter moved.
    void a_passkey_counter_moves_once_across_nodes() {
        std::int64_t user = test::make_user(*t_->app, "ada@example.test", test::kGoodPassword);
        auto id = a_->passkeys().add(auth::Passkey{0, user, std::string("cred\0id", 7), "key", "handle", 5, "Phone", 1, 0});
        CPPUNIT_ASSERT(id);
        auto tx = a_->begin_write();
        CPPUNIT_ASSERT(a_->passkeys().record_use(*id, 5, 6, 100));
        std::atomic<int> theirs{-1};
        std::thread other([&] {
            auto tx_b = b_->begin_write();
            theirs = b_->passkeys().record_use(*id, 5, 7, 101) ? 1 : 0;
            tx_b->commit();
        });
        std::this_thread::sleep_for(200ms);
        CPPUNIT_ASSERT_EQUAL(-1, theirs.load());  // waiting for A's row lock
        tx->commit();
        other.join();
        CPPUNIT_ASSERT_EQUAL(0, theirs.load());
        auto stored = b_->passkeys().find(std::string("cred\0id", 7));
        CPPUNIT_ASSERT(stored);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(6), stored->sign_count);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(100), stored->last_used_at);
    }

    // One challenge answered on two nodes at once: one DELETE has the row.
    // The count that decides whether a network may have one more login
    // challenge waits for another node's count and insert to commit
    // (READ COMMITTED alone would let both count the same and both add).
    void a_network_counts_its_passkey_challenges_in_turn_across_nodes() {
        std::int64_t now = t_->clock->now();
        const std::string net = "203.0.113.9";
        {
            auto tx = a_->begin_write();
            for (int i = 0; i < 3; ++i)
                a_->passkeys().add_challenge(std::string(31, 'a') + char('0' + i),
                                             auth::PasskeyChallenge{"login", "browser", 0, 0, net}, now + 300);
            tx->commit();
        }
        auto tx = a_->begin_write();
        CPPUNIT_ASSERT_EQUAL(std::int64_t(3), a_->passkeys().live_challenges_from(net, now));
        a_->passkeys().add_challenge(std::string(32, 'z'), auth::PasskeyChallenge{"login", "browser", 0, 0, net}, now + 300);
        std::atomic<std::int64_t> counted_b{-1};
        std::thread other([&] {
            auto tx_b = b_->begin_write();
            counted_b = b_->passkeys().live_challenges_from(net, now);
            tx_b->commit();
        });
        std::this_thread::sleep_for(200ms);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(-1), counted_b.load());  // waiting for A's count and insert
        tx->commit();
        other.join();
        CPPUNIT_ASSERT_EQUAL(std::int64_t(4), counted_b.load());
    }

    void a_passkey_challenge_and_grant_are_taken_once_across_nodes() {
        std::int64_t user = test::make_user(*t_->app, "ada@example.test", test::kGoodPassword);
        std::int64_t now = t_->clock->now();
        std::string challenge(32, 'c');
        a_->passkeys().add_challenge(challenge, auth::PasskeyChallenge{"login", "browser", 0, 0, "192.0.2.1"}, now + 300);
        std::string grant = a_->passkeys().add_grant(user, 7, now + 300);
        auto tx = a_->begin_write();
        auto mine = a_->passkeys().take_challenge(challenge, now);
        CPPUNIT_ASSERT(mine);
        CPPUNIT_ASSERT_EQUAL(std::string("login"), mine->purpose);
        CPPUNIT_ASSERT_EQUAL(std::string("browser"), mine->browser_digest);
        CPPUNIT_ASSERT(a_->passkeys().take_grant(grant, user, 7, now));
        std::atomic<int> challenge_b{-1}, grant_b{-1};
        std::thread other([&] {
            auto tx_b = b_->begin_write();
            challenge_b = b_->passkeys().take_challenge(challenge, now) ? 1 : 0;
            grant_b = b_->passkeys().take_grant(grant, user, 7, now) ? 1 : 0;
            tx_b->commit();
        });
        std::this_thread::sleep_for(200ms);
        CPPUNIT_ASSERT_EQUAL(-1, challenge_b.load());  // waiting for A's delete
        tx->commit();
        other.join();
        CPPUNIT_ASSERT_EQUAL(0, challenge_b.load());
        CPPUNIT_ASSERT_EQUAL(0, grant_b.load());
    }

    void housekeeping_runs_on_one_node_at_a_time() {
        auto mine = a_->begin_housekeeping();
        CPPUNIT_ASSERT(mine);
        CPPUNIT_ASSERT(!b_->begin_housekeeping());
        mine->commit();
        mine.reset();
        CPPUNIT_ASSERT(b_->begin_housekeeping());
    }

    void a_lost_connection_is_retried_and_opened_again() {
        auto& conn = dynamic_cast<auth::PgStore&>(*b_).db();
        std::int64_t pid = 0;
        {
            auto q = conn.query("SELECT pg_backend_pid()");
            q.step();
            pid = q.int64(0);
        }
        auto& killer = dynamic_cast<auth::PgStore&>(*a_).db();
        killer.query("SELECT pg_terminate_backend(?)").bind(1, pid).exec();
        std::this_thread::sleep_for(100ms);
        bool retry = false;
        try {
            b_->users().find_by_id(1);
        } catch (const auth::StoreError& e) {
            retry = e.retry() && e.busy();
        }
        CPPUNIT_ASSERT(retry);
        CPPUNIT_ASSERT(!b_->users().find_by_id(1));  // connected again
        auto q = conn.query("SELECT pg_backend_pid()");
        q.step();
        CPPUNIT_ASSERT(q.int64(0) != pid);
    }

    void migrations_are_counted_in_schema_migrations() {
        auto q = test::db(*t_->app).query("SELECT count(*), max(version) FROM schema_migrations");
        CPPUNIT_ASSERT(q.step());
        CPPUNIT_ASSERT_EQUAL(std::int64_t(a_->schema_version()), q.int64(0));
        CPPUNIT_ASSERT_EQUAL(q.int64(0), q.int64(1));
        CPPUNIT_ASSERT(q.int64(0) >= 9);
    }

    // A site on SQLite, with an account, a session, a pending reset link and
    // two-step login's recovery codes.
    struct SqliteSite {
        test::TestApp t{"http://127.0.0.1:8080", [](auth::Config& c) { c.database_url.clear(); }};
        std::int64_t id = test::make_user(*t.app, "ada@example.test", test::kGoodPassword, "Ada Lovelace");
        std::string session = t.app->store().sessions().create(id, "10.0.0.1", "Firefox");
        std::string link = t.app->store().reset_tokens().issue(id);
        std::int64_t passkey = *t.app->store().passkeys().add(
            auth::Passkey{0, id, std::string("cred\0id", 7), std::string("k\0ey", 4), "handle", 3, "Phone", 1, 0});
        std::int64_t event = t.app->store().events().record(auth::Event{0, 1, "req", "login", "ok", id, "10.0.0.1", "Firefox", "", ""});
        SqliteSite() { t.app->store().two_factor().replace_recovery_codes(id, {"digest-1", std::string("d\0igest-2", 9)}); }
    };

    void copy_to_brings_a_sqlite_site_across() {
        SqliteSite site;
        auto& sqlite = dynamic_cast<auth::SqliteStore&>(site.t.app->store());
        auth::SqliteTables tables(sqlite.db());
        test::TempDir fresh;  // an empty schema of its own
        auth::StoreSettings target = auth::StoreSettings::of(test::test_config(fresh));
        auto counts = auth::copy_into_postgres(tables, target, *site.t.clock);
        CPPUNIT_ASSERT(counts.size() >= 15);
        for (const auto& c : counts) CPPUNIT_ASSERT_EQUAL_MESSAGE(c.table, c.source, c.target);
        CPPUNIT_ASSERT_EQUAL(std::string("users"), counts.front().table);
        // The copied site: the old password logs in, the old session and link still work.
        test::TestApp copied("http://127.0.0.1:8080", [&](auth::Config& c) { c.database_url = target.url; });
        copied.clock->set(site.t.clock->now());
        auto login = copied.app->accounts.log_in("ada@example.test", test::kGoodPassword, {"10.0.0.9", "test", ""});
        CPPUNIT_ASSERT(login.result == auth::LoginResult::LoggedIn);
        auto live = copied.app->store().sessions().lookup(site.session);
        CPPUNIT_ASSERT(live);
        CPPUNIT_ASSERT_EQUAL(site.id, live->user.id);
        CPPUNIT_ASSERT(copied.app->store().reset_tokens().check(site.link).state == auth::TokenState::Valid);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(2), copied.app->store().two_factor().recovery_codes_left(site.id));
        CPPUNIT_ASSERT(copied.app->store().two_factor().use_recovery_code(site.id, std::string("d\0igest-2", 9), 1));
        auto passkey = copied.app->store().passkeys().find(std::string("cred\0id", 7));
        CPPUNIT_ASSERT(passkey);
        CPPUNIT_ASSERT_EQUAL(site.passkey, passkey->id);
        CPPUNIT_ASSERT_EQUAL(std::string("k\0ey", 4), passkey->public_key);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(3), passkey->sign_count);
        auto events = copied.app->store().events().for_user(site.id, 10);
        CPPUNIT_ASSERT(!events.empty());
        CPPUNIT_ASSERT_EQUAL(site.event, events.back().id);
        // New rows get ids after the copied ones.
        std::int64_t next = test::make_user(*copied.app, "grace@example.test", test::kGoodPassword);
        CPPUNIT_ASSERT(next > site.id);
        auto next_passkey =
            copied.app->store().passkeys().add(auth::Passkey{0, next, "other", "key", "handle", 0, "Key", 2, 0});
        CPPUNIT_ASSERT(next_passkey && *next_passkey > site.passkey);
        CPPUNIT_ASSERT(copied.app->store().events().record(auth::Event{0, 2, "", "login", "ok", next, "", "", "", ""}) >
                       site.event);
    }

    void copy_to_refuses_a_database_that_is_not_empty() {
        SqliteSite site;
        auth::SqliteTables tables(dynamic_cast<auth::SqliteStore&>(site.t.app->store()).db());
        test::make_user(*t_->app, "someone@example.test", test::kGoodPassword);  // t_'s schema has an account
        auth::StoreSettings target = auth::StoreSettings::of(t_->app->config());
        CPPUNIT_ASSERT_THROW(auth::copy_into_postgres(tables, target, *site.t.clock), auth::StoreError);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), test::user_count(*t_->app));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(PostgresTest);

}  // namespace
