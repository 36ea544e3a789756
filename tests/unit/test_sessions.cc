// Tests for sessions: tokens stored only as digests, idle and absolute
// timeouts on a manual clock, throttled last_seen writes, and ending sessions.
#include <cppunit/extensions/HelperMacros.h>

#include <memory>
#include <string>
#include <vector>

#include "core/crypto.hh"
#include "store/sqlite/db.hh"
#include "store/store.hh"
#include "support.hh"

class SessionsTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(SessionsTest);
    CPPUNIT_TEST(create_returns_a_43_character_token);
    CPPUNIT_TEST(database_keeps_only_the_digest);
    CPPUNIT_TEST(lookup_finds_the_session);
    CPPUNIT_TEST(each_session_gets_its_own_token);
    CPPUNIT_TEST(idle_timeout_ends_the_session_and_deletes_the_row);
    CPPUNIT_TEST(activity_keeps_the_session_alive);
    CPPUNIT_TEST(absolute_timeout_ends_even_an_active_session);
    CPPUNIT_TEST(last_seen_is_written_at_most_once_a_minute);
    CPPUNIT_TEST(short_idle_timeout_touches_more_often);
    CPPUNIT_TEST(destroy_ends_one_session);
    CPPUNIT_TEST(destroy_all_for_user_keeps_the_given_session);
    CPPUNIT_TEST(destroy_all_for_user_without_keep);
    CPPUNIT_TEST(garbage_tokens_find_nothing);
    CPPUNIT_TEST(purge_expired_removes_only_expired_rows);
    CPPUNIT_TEST(client_details_are_stored_bounded);
    CPPUNIT_TEST(lookup_says_whether_two_step_login_is_on);
    CPPUNIT_TEST(lookup_brings_the_pending_email_change);
    CPPUNIT_TEST_SUITE_END();

public:
    void setUp() override {
        t_ = std::make_unique<test::TestApp>();
        user_ = test::make_user(*t_->app, "a@x.test", test::kGoodPassword);
        other_user_ = test::make_user(*t_->app, "b@x.test", test::kGoodPassword);
    }
    void tearDown() override { t_.reset(); }

    void create_returns_a_43_character_token() {
        std::string token = sessions().create(user_, "192.0.2.1", "agent");
        CPPUNIT_ASSERT_EQUAL(std::size_t(43), token.size());
        CPPUNIT_ASSERT(auth::looks_like_token(token));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), test::session_count(*t_->app, user_));
    }

    void database_keeps_only_the_digest() {
        std::string token = sessions().create(user_, "192.0.2.1", "agent");
        auto q = test::db(*t_->app).query("SELECT token_hash, client_ip, user_agent, CAST(token_hash AS TEXT) FROM sessions");
        CPPUNIT_ASSERT(q.step());
        std::string stored = q.text(0);
        CPPUNIT_ASSERT(stored == auth::token_digest(token));
        CPPUNIT_ASSERT(stored != token);
        for (int col = 0; col < 4; ++col) CPPUNIT_ASSERT(q.text(col).find(token) == std::string::npos);
        CPPUNIT_ASSERT(!q.step());

        auto raw = test::db(*t_->app).query("SELECT count(*) FROM sessions WHERE token_hash = ? OR token_hash = ?");
        raw.bind(1, token).bind_blob(2, token);
        raw.step();
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), raw.int64(0));
    }

    void lookup_finds_the_session() {
        std::int64_t now = t_->clock->now();
        std::string token = sessions().create(user_, "192.0.2.1", "agent");
        auto s = sessions().lookup(token);
        CPPUNIT_ASSERT(s);
        CPPUNIT_ASSERT_EQUAL(user_, s->user_id);
        CPPUNIT_ASSERT_EQUAL(now, s->created_at);
        CPPUNIT_ASSERT_EQUAL(now, s->last_seen);
        CPPUNIT_ASSERT(s->id > 0);
    }

    void each_session_gets_its_own_token() {
        std::string a = sessions().create(user_, "", "");
        std::string b = sessions().create(user_, "", "");
        std::string c = sessions().create(other_user_, "", "");
        CPPUNIT_ASSERT(a != b && b != c && a != c);
        CPPUNIT_ASSERT(sessions().lookup(a)->id != sessions().lookup(b)->id);
        CPPUNIT_ASSERT_EQUAL(other_user_, sessions().lookup(c)->user_id);
    }

    void idle_timeout_ends_the_session_and_deletes_the_row() {
        std::int64_t idle = t_->app->config().session_idle_timeout;
        std::string token = sessions().create(user_, "", "");
        t_->clock->advance(idle - 1);
        CPPUNIT_ASSERT(sessions().lookup(token));  // and last_seen moves

        std::string quiet = sessions().create(user_, "", "");
        t_->clock->advance(idle);  // exactly at the boundary: expired
        CPPUNIT_ASSERT(!sessions().lookup(quiet));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), row_count(quiet));
        CPPUNIT_ASSERT(!sessions().lookup(quiet));  // stays gone
        CPPUNIT_ASSERT(!sessions().lookup(token));  // the first one too: idle seconds since its last use
    }

    void activity_keeps_the_session_alive() {
        std::int64_t idle = t_->app->config().session_idle_timeout;
        std::string token = sessions().create(user_, "", "");
        for (int i = 0; i < 5; ++i) {
            t_->clock->advance(idle - 100);
            CPPUNIT_ASSERT_MESSAGE(std::to_string(i), sessions().lookup(token));
        }
    }

    void absolute_timeout_ends_even_an_active_session() {
        std::int64_t absolute = t_->app->config().session_absolute_timeout;
        std::int64_t start = t_->clock->now();
        std::string token = sessions().create(user_, "", "");
        while (t_->clock->now() + 1000 - start < absolute) {
            t_->clock->advance(1000);
            CPPUNIT_ASSERT(sessions().lookup(token));
        }
        t_->clock->set(start + absolute);
        CPPUNIT_ASSERT(!sessions().lookup(token));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), row_count(token));
    }

    void last_seen_is_written_at_most_once_a_minute() {
        std::int64_t start = t_->clock->now();
        std::string token = sessions().create(user_, "", "");
        t_->clock->advance(10);
        CPPUNIT_ASSERT(sessions().lookup(token));
        CPPUNIT_ASSERT_EQUAL(start, stored_last_seen(token));
        t_->clock->advance(10);
        CPPUNIT_ASSERT(sessions().lookup(token));
        CPPUNIT_ASSERT_EQUAL(start, stored_last_seen(token));
        t_->clock->advance(41);  // 61 s after the last write
        auto s = sessions().lookup(token);
        CPPUNIT_ASSERT(s);
        CPPUNIT_ASSERT_EQUAL(start + 61, stored_last_seen(token));
        CPPUNIT_ASSERT_EQUAL(start + 61, s->last_seen);
        t_->clock->advance(30);
        CPPUNIT_ASSERT(sessions().lookup(token));
        CPPUNIT_ASSERT_EQUAL(start + 61, stored_last_seen(token));
    }

    void short_idle_timeout_touches_more_often() {
        test::TestApp t("http://127.0.0.1:8080", [](auth::Config& c) { c.session_idle_timeout = 20; });
        std::int64_t user = test::make_user(*t.app, "c@x.test", test::kGoodPassword);
        std::string token = t.app->store().sessions().create(user, "", "");
        // Every 15 s is activity within a 20 s idle timeout: it must stay alive.
        for (int i = 0; i < 6; ++i) {
            t.clock->advance(15);
            CPPUNIT_ASSERT_MESSAGE(std::to_string(i), t.app->store().sessions().lookup(token));
        }
        t.clock->advance(20);
        CPPUNIT_ASSERT(!t.app->store().sessions().lookup(token));
    }

    void destroy_ends_one_session() {
        std::string a = sessions().create(user_, "", "");
        std::string b = sessions().create(user_, "", "");
        sessions().destroy(a);
        CPPUNIT_ASSERT(!sessions().lookup(a));
        CPPUNIT_ASSERT(sessions().lookup(b));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), test::session_count(*t_->app, user_));
        sessions().destroy(a);  // twice is harmless
        sessions().destroy("not a token");
        CPPUNIT_ASSERT(sessions().lookup(b));
    }

    void destroy_all_for_user_keeps_the_given_session() {
        std::vector<std::string> mine;
        for (int i = 0; i < 3; ++i) mine.push_back(sessions().create(user_, "", ""));
        std::string theirs = sessions().create(other_user_, "", "");
        std::int64_t keep = sessions().lookup(mine[1])->id;
        sessions().destroy_all_for_user(user_, keep);
        CPPUNIT_ASSERT(!sessions().lookup(mine[0]));
        CPPUNIT_ASSERT(sessions().lookup(mine[1]));
        CPPUNIT_ASSERT(!sessions().lookup(mine[2]));
        CPPUNIT_ASSERT(sessions().lookup(theirs));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), test::session_count(*t_->app, user_));
    }

    void destroy_all_for_user_without_keep() {
        std::string a = sessions().create(user_, "", "");
        std::string b = sessions().create(user_, "", "");
        std::string theirs = sessions().create(other_user_, "", "");
        sessions().destroy_all_for_user(user_);
        CPPUNIT_ASSERT(!sessions().lookup(a));
        CPPUNIT_ASSERT(!sessions().lookup(b));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), test::session_count(*t_->app, user_));
        CPPUNIT_ASSERT(sessions().lookup(theirs));
    }

    void garbage_tokens_find_nothing() {
        std::string token = sessions().create(user_, "", "");
        std::string digest_as_token = auth::base64url_encode(auth::token_digest(token));
        for (const std::string& bad : {std::string(), std::string("abc"), std::string(43, '!'), token.substr(0, 42),
                                       token + "x", auth::random_token(), digest_as_token, auth::token_digest(token),
                                       std::string("' OR '1'='1")}) {
            CPPUNIT_ASSERT_MESSAGE(bad, !sessions().lookup(bad));
        }
        CPPUNIT_ASSERT(sessions().lookup(token));
    }

    void purge_expired_removes_only_expired_rows() {
        std::string old = sessions().create(user_, "", "");
        t_->clock->advance(t_->app->config().session_idle_timeout - 10);
        std::string fresh = sessions().create(user_, "", "");
        t_->clock->advance(20);
        sessions().purge_expired();
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), row_count(old));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), row_count(fresh));
    }

    void client_details_are_stored_bounded() {
        std::string token = sessions().create(user_, std::string(100, '1'), std::string(1000, 'u'));
        auto q = test::db(*t_->app).query("SELECT length(client_ip), length(user_agent) FROM sessions WHERE token_hash = ?");
        q.bind_blob(1, auth::token_digest(token));
        CPPUNIT_ASSERT(q.step());
        CPPUNIT_ASSERT(q.int64(0) <= 64);
        CPPUNIT_ASSERT(q.int64(1) <= 256);
        CPPUNIT_ASSERT(q.int64(1) > 0);
    }

private:
    // Read with the session, for the logged-in pages: on only once enabled
    // (a set-up begun is not on), off again when disabled; each account its own.
    void lookup_says_whether_two_step_login_is_on() {
        std::string mine = sessions().create(user_, "", "");
        std::string theirs = sessions().create(other_user_, "", "");
        auto& two_factor = t_->app->store().two_factor();
        auth::SealedSecret secret{"nonce-bytes", "sealed-bytes", t_->clock->now(), 0};
        CPPUNIT_ASSERT(!sessions().lookup(mine)->two_factor_on);
        two_factor.set_setup(user_, secret);
        CPPUNIT_ASSERT(!sessions().lookup(mine)->two_factor_on);
        two_factor.enable(user_, secret, 1, t_->clock->now());
        CPPUNIT_ASSERT(sessions().lookup(mine)->two_factor_on);
        CPPUNIT_ASSERT(!sessions().lookup(theirs)->two_factor_on);
        two_factor.disable(user_);
        CPPUNIT_ASSERT(!sessions().lookup(mine)->two_factor_on);
    }

    // The newest email change link still usable, as TokenStore::pending
    // finds it: none, the one asked for, the newer of two, none once
    // cancelled, used or expired.
    void lookup_brings_the_pending_email_change() {
        std::string sid = sessions().create(user_, "", "");
        auto& changes = t_->app->store().email_changes();
        CPPUNIT_ASSERT(!sessions().lookup(sid)->pending_email_change);

        changes.issue(user_, "first@x.test");
        t_->clock->advance(5);
        changes.issue(user_, "second@x.test");
        changes.issue(other_user_, "theirs@x.test");
        auto live = sessions().lookup(sid);
        CPPUNIT_ASSERT(live->pending_email_change);
        CPPUNIT_ASSERT_EQUAL(std::string("second@x.test"), live->pending_email_change->address);
        CPPUNIT_ASSERT_EQUAL(changes.pending(user_)->expires_at, live->pending_email_change->expires_at);

        changes.void_all_for_user(user_);
        CPPUNIT_ASSERT(!sessions().lookup(sid)->pending_email_change);

        std::string third = changes.issue(user_, "third@x.test");
        CPPUNIT_ASSERT(changes.consume(third));
        CPPUNIT_ASSERT(!sessions().lookup(sid)->pending_email_change);

        changes.issue(user_, "fourth@x.test");
        CPPUNIT_ASSERT(sessions().lookup(sid)->pending_email_change);
        t_->clock->advance(changes.ttl());  // the link's last second has passed
        auto after = sessions().lookup(sessions().create(user_, "", ""));
        CPPUNIT_ASSERT(after);
        CPPUNIT_ASSERT(!after->pending_email_change);
        CPPUNIT_ASSERT(!changes.pending(user_));
    }

    auth::SessionStore& sessions() { return t_->app->store().sessions(); }

    std::int64_t row_count(const std::string& token) {
        auto q = test::db(*t_->app).query("SELECT count(*) FROM sessions WHERE token_hash = ?");
        q.bind_blob(1, auth::token_digest(token));
        q.step();
        return q.int64(0);
    }

    std::int64_t stored_last_seen(const std::string& token) {
        auto q = test::db(*t_->app).query("SELECT last_seen FROM sessions WHERE token_hash = ?");
        q.bind_blob(1, auth::token_digest(token));
        CPPUNIT_ASSERT(q.step());
        return q.int64(0);
    }

    std::unique_ptr<test::TestApp> t_;
    std::int64_t user_ = 0;
    std::int64_t other_user_ = 0;
};

CPPUNIT_TEST_SUITE_REGISTRATION(SessionsTest);
