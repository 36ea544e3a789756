// Tests for auth::ResetTokenStore: 256-bit URL-safe tokens stored only as a
// digest, the states check() reports, single use, expiry at expires_at, a
// newer token voiding older ones, and the per-account count.
#include <cppunit/extensions/HelperMacros.h>

#include <fstream>
#include <iterator>
#include <set>

#include "core/crypto.hh"
#include "store/sqlite/db.hh"
#include "store/store.hh"
#include "store/sqlite/stores.hh"
#include "support.hh"

namespace {

using auth::TokenState;

bool url_safe(const std::string& s) {
    for (char c : s)
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) return false;
    return true;
}

std::string file_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::int64_t token_rows(auth::App& app) {
    auto q = test::db(app).query("SELECT count(*) FROM reset_tokens");
    q.step();
    return q.int64(0);
}

class ResetTokensTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(ResetTokensTest);
    CPPUNIT_TEST(issue_returns_43_url_safe_characters);
    CPPUNIT_TEST(issued_tokens_are_unique);
    CPPUNIT_TEST(database_holds_only_the_digest);
    CPPUNIT_TEST(fresh_token_is_valid_for_its_user);
    CPPUNIT_TEST(malformed_tokens);
    CPPUNIT_TEST(unknown_token);
    CPPUNIT_TEST(used_token);
    CPPUNIT_TEST(newer_token_supersedes_older);
    CPPUNIT_TEST(newer_token_for_other_user_does_not_supersede);
    CPPUNIT_TEST(token_expires_at_exactly_expires_at);
    CPPUNIT_TEST(lifetime_follows_the_configured_ttl);
    CPPUNIT_TEST(consume_works_once);
    CPPUNIT_TEST(consume_of_expired_token_fails);
    CPPUNIT_TEST(consume_of_superseded_token_fails);
    CPPUNIT_TEST(consume_of_malformed_or_unknown_token_fails);
    CPPUNIT_TEST(consume_returns_the_owner_not_another_user);
    CPPUNIT_TEST(void_all_for_user_voids_only_that_users_unused_tokens);
    CPPUNIT_TEST(issued_since_counts_the_users_recent_tokens);
    CPPUNIT_TEST(purge_old_keeps_recent_rows);
    CPPUNIT_TEST_SUITE_END();

public:
    void issue_returns_43_url_safe_characters() {
        test::TestApp t;
        auto uid = test::make_user(*t.app, "a@example.test", test::kGoodPassword);
        std::string token = t.app->store().reset_tokens().issue(uid);
        CPPUNIT_ASSERT_EQUAL(std::size_t(43), token.size());
        CPPUNIT_ASSERT(url_safe(token));
        // 43 base64url characters carry 258 bits, of which 256 are the random bytes.
        auto raw = test::base64url_decode(token);
        CPPUNIT_ASSERT(raw);
        CPPUNIT_ASSERT_EQUAL(std::size_t(32), raw->size());
    }

    void issued_tokens_are_unique() {
        test::TestApp t;
        auto uid = test::make_user(*t.app, "a@example.test", test::kGoodPassword);
        std::set<std::string> seen;
        auth::Transaction tx(test::db(*t.app).sqlite());
        for (int i = 0; i < 2000; ++i) {
            std::string token = t.app->store().reset_tokens().issue(uid);
            CPPUNIT_ASSERT_EQUAL(std::size_t(43), token.size());
            CPPUNIT_ASSERT(url_safe(token));
            seen.insert(token);
        }
        tx.commit();
        CPPUNIT_ASSERT_EQUAL(std::size_t(2000), seen.size());
    }

    void database_holds_only_the_digest() {
        test::TestApp t;
        auto uid = test::make_user(*t.app, "a@example.test", test::kGoodPassword);
        std::string token = t.app->store().reset_tokens().issue(uid);
        auto q = test::db(*t.app).query("SELECT token_hash, user_id, created_at, expires_at FROM reset_tokens");
        CPPUNIT_ASSERT(q.step());
        std::string stored = q.text(0);
        CPPUNIT_ASSERT(stored != token);
        CPPUNIT_ASSERT(stored.find(token) == std::string::npos);
        CPPUNIT_ASSERT(stored == auth::token_digest(token));
        CPPUNIT_ASSERT_EQUAL(std::size_t(32), stored.size());
        CPPUNIT_ASSERT_EQUAL(uid, q.int64(1));
        CPPUNIT_ASSERT_EQUAL(t.clock->now(), q.int64(2));
        CPPUNIT_ASSERT_EQUAL(t.clock->now() + 1800, q.int64(3));
        CPPUNIT_ASSERT(!q.step());
        // Nowhere in the database files either (main file and WAL).
        std::string path = t.dir.file("test.sqlite");
        CPPUNIT_ASSERT(file_bytes(path).find(token) == std::string::npos);
        CPPUNIT_ASSERT(file_bytes(path + "-wal").find(token) == std::string::npos);
        // Nor its decoded bytes.
        auto raw = test::base64url_decode(token);
        CPPUNIT_ASSERT(file_bytes(path + "-wal").find(*raw) == std::string::npos);
        CPPUNIT_ASSERT(file_bytes(path).find(*raw) == std::string::npos);
    }

    void fresh_token_is_valid_for_its_user() {
        test::TestApp t;
        auto uid = test::make_user(*t.app, "a@example.test", test::kGoodPassword);
        std::string token = t.app->store().reset_tokens().issue(uid);
        auth::TokenCheck c = t.app->store().reset_tokens().check(token);
        CPPUNIT_ASSERT(c.state == TokenState::Valid);
        CPPUNIT_ASSERT_EQUAL(uid, c.user_id);
        // Checking does not use it up.
        CPPUNIT_ASSERT(t.app->store().reset_tokens().check(token).state == TokenState::Valid);
    }

    void malformed_tokens() {
        test::TestApp t;
        auto uid = test::make_user(*t.app, "a@example.test", test::kGoodPassword);
        std::string token = t.app->store().reset_tokens().issue(uid);
        std::string plus = token, slash = token;
        plus[10] = '+';
        slash[10] = '/';
        for (const std::string& bad : {std::string(), std::string("abc"), token.substr(0, 42), token + "A", token + "=",
                                       plus, slash, token.substr(0, 42) + " ", token.substr(0, 42) + std::string(1, '\0'),
                                       std::string(43, '%'), std::string(1000, 'A')}) {
            auth::TokenCheck c = t.app->store().reset_tokens().check(bad);
            CPPUNIT_ASSERT_MESSAGE(bad, c.state == TokenState::Malformed);
            CPPUNIT_ASSERT_EQUAL(std::int64_t(0), c.user_id);
        }
    }

    void unknown_token() {
        test::TestApp t;
        auto uid = test::make_user(*t.app, "a@example.test", test::kGoodPassword);
        t.app->store().reset_tokens().issue(uid);
        auth::TokenCheck c = t.app->store().reset_tokens().check(auth::random_token(32));
        CPPUNIT_ASSERT(c.state == TokenState::Unknown);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), c.user_id);
    }

    void used_token() {
        test::TestApp t;
        auto uid = test::make_user(*t.app, "a@example.test", test::kGoodPassword);
        std::string token = t.app->store().reset_tokens().issue(uid);
        CPPUNIT_ASSERT(t.app->store().reset_tokens().consume(token));
        auth::TokenCheck c = t.app->store().reset_tokens().check(token);
        CPPUNIT_ASSERT(c.state == TokenState::Used);
        CPPUNIT_ASSERT_EQUAL(uid, c.user_id);
        // Still "used" once it would have expired too.
        t.clock->advance(3600);
        CPPUNIT_ASSERT(t.app->store().reset_tokens().check(token).state == TokenState::Used);
    }

    void newer_token_supersedes_older() {
        test::TestApp t;
        auto uid = test::make_user(*t.app, "a@example.test", test::kGoodPassword);
        std::string first = t.app->store().reset_tokens().issue(uid);
        t.clock->advance(10);
        std::string second = t.app->store().reset_tokens().issue(uid);
        CPPUNIT_ASSERT(first != second);
        CPPUNIT_ASSERT(t.app->store().reset_tokens().check(first).state == TokenState::Superseded);
        CPPUNIT_ASSERT(t.app->store().reset_tokens().check(second).state == TokenState::Valid);
        // A used token stays "used" when a newer one is issued.
        CPPUNIT_ASSERT(t.app->store().reset_tokens().consume(second));
        t.app->store().reset_tokens().issue(uid);
        CPPUNIT_ASSERT(t.app->store().reset_tokens().check(second).state == TokenState::Used);
    }

    void newer_token_for_other_user_does_not_supersede() {
        test::TestApp t;
        auto a = test::make_user(*t.app, "a@example.test", test::kGoodPassword);
        auto b = test::make_user(*t.app, "b@example.test", test::kGoodPassword);
        std::string ta = t.app->store().reset_tokens().issue(a);
        std::string tb = t.app->store().reset_tokens().issue(b);
        CPPUNIT_ASSERT(t.app->store().reset_tokens().check(ta).state == TokenState::Valid);
        CPPUNIT_ASSERT(t.app->store().reset_tokens().check(tb).state == TokenState::Valid);
    }

    void token_expires_at_exactly_expires_at() {
        test::TestApp t;
        auto uid = test::make_user(*t.app, "a@example.test", test::kGoodPassword);
        std::string token = t.app->store().reset_tokens().issue(uid);
        t.clock->advance(1799);
        CPPUNIT_ASSERT(t.app->store().reset_tokens().check(token).state == TokenState::Valid);
        t.clock->advance(1);  // now == expires_at
        auth::TokenCheck c = t.app->store().reset_tokens().check(token);
        CPPUNIT_ASSERT(c.state == TokenState::Expired);
        CPPUNIT_ASSERT_EQUAL(uid, c.user_id);
        CPPUNIT_ASSERT(!t.app->store().reset_tokens().consume(token));
        CPPUNIT_ASSERT(t.app->store().reset_tokens().check(token).state == TokenState::Expired);
    }

    void lifetime_follows_the_configured_ttl() {
        test::TestApp t("http://127.0.0.1:8080", [](auth::Config& c) { c.reset_token_ttl = 60; });
        CPPUNIT_ASSERT_EQUAL(std::int64_t(60), t.app->store().reset_tokens().ttl());
        auto uid = test::make_user(*t.app, "a@example.test", test::kGoodPassword);
        std::string token = t.app->store().reset_tokens().issue(uid);
        t.clock->advance(59);
        CPPUNIT_ASSERT(t.app->store().reset_tokens().check(token).state == TokenState::Valid);
        t.clock->advance(1);
        CPPUNIT_ASSERT(t.app->store().reset_tokens().check(token).state == TokenState::Expired);

        // A store over the same database with its own clock and lifetime.
        test::ManualClock clock(t.clock->now());
        auth::SqliteTokens store(test::db(*t.app).sqlite(), clock, {"reset_tokens", nullptr}, 5);
        std::string other = store.issue(uid);
        clock.advance(4);
        CPPUNIT_ASSERT(store.check(other).state == TokenState::Valid);
        CPPUNIT_ASSERT_EQUAL(uid, store.consume(other)->user_id);
        std::string third = store.issue(uid);
        clock.advance(5);
        CPPUNIT_ASSERT(store.check(third).state == TokenState::Expired);
        CPPUNIT_ASSERT(!store.consume(third));
    }

    void consume_works_once() {
        test::TestApp t;
        auto uid = test::make_user(*t.app, "a@example.test", test::kGoodPassword);
        std::string token = t.app->store().reset_tokens().issue(uid);
        auto first = t.app->store().reset_tokens().consume(token);
        CPPUNIT_ASSERT(first);
        CPPUNIT_ASSERT_EQUAL(uid, first->user_id);
        CPPUNIT_ASSERT(!t.app->store().reset_tokens().consume(token));
        CPPUNIT_ASSERT(!t.app->store().reset_tokens().consume(token));
        auto q = test::db(*t.app).query("SELECT used_at FROM reset_tokens");
        CPPUNIT_ASSERT(q.step());
        CPPUNIT_ASSERT_EQUAL(t.clock->now(), q.int64(0));
    }

    void consume_of_expired_token_fails() {
        test::TestApp t;
        auto uid = test::make_user(*t.app, "a@example.test", test::kGoodPassword);
        std::string token = t.app->store().reset_tokens().issue(uid);
        t.clock->advance(1801);
        CPPUNIT_ASSERT(!t.app->store().reset_tokens().consume(token));
        // A failed consume leaves the row as it was: expired, not used.
        CPPUNIT_ASSERT(t.app->store().reset_tokens().check(token).state == TokenState::Expired);
        // Moving the clock back (it never does, but) shows it was not marked used.
        t.clock->advance(-1801);
        CPPUNIT_ASSERT(t.app->store().reset_tokens().check(token).state == TokenState::Valid);
    }

    void consume_of_superseded_token_fails() {
        test::TestApp t;
        auto uid = test::make_user(*t.app, "a@example.test", test::kGoodPassword);
        std::string first = t.app->store().reset_tokens().issue(uid);
        std::string second = t.app->store().reset_tokens().issue(uid);
        CPPUNIT_ASSERT(!t.app->store().reset_tokens().consume(first));
        CPPUNIT_ASSERT(t.app->store().reset_tokens().check(first).state == TokenState::Superseded);
        CPPUNIT_ASSERT_EQUAL(uid, t.app->store().reset_tokens().consume(second)->user_id);
    }

    void consume_of_malformed_or_unknown_token_fails() {
        test::TestApp t;
        auto uid = test::make_user(*t.app, "a@example.test", test::kGoodPassword);
        std::string token = t.app->store().reset_tokens().issue(uid);
        CPPUNIT_ASSERT(!t.app->store().reset_tokens().consume(""));
        CPPUNIT_ASSERT(!t.app->store().reset_tokens().consume("abc"));
        CPPUNIT_ASSERT(!t.app->store().reset_tokens().consume(token.substr(0, 42)));
        CPPUNIT_ASSERT(!t.app->store().reset_tokens().consume(auth::random_token(32)));
        CPPUNIT_ASSERT(t.app->store().reset_tokens().check(token).state == TokenState::Valid);
    }

    void consume_returns_the_owner_not_another_user() {
        test::TestApp t;
        auto a = test::make_user(*t.app, "a@example.test", test::kGoodPassword);
        auto b = test::make_user(*t.app, "b@example.test", test::kGoodPassword);
        std::string tb = t.app->store().reset_tokens().issue(b);
        std::string ta = t.app->store().reset_tokens().issue(a);
        CPPUNIT_ASSERT_EQUAL(a, t.app->store().reset_tokens().check(ta).user_id);
        CPPUNIT_ASSERT_EQUAL(b, t.app->store().reset_tokens().check(tb).user_id);
        auto consumed = t.app->store().reset_tokens().consume(ta);
        CPPUNIT_ASSERT(consumed);
        CPPUNIT_ASSERT_EQUAL(a, consumed->user_id);
        CPPUNIT_ASSERT(consumed->user_id != b);
        // B's token is untouched by A's use.
        CPPUNIT_ASSERT(t.app->store().reset_tokens().check(tb).state == TokenState::Valid);
    }

    void void_all_for_user_voids_only_that_users_unused_tokens() {
        test::TestApp t;
        auto a = test::make_user(*t.app, "a@example.test", test::kGoodPassword);
        auto b = test::make_user(*t.app, "b@example.test", test::kGoodPassword);
        std::string used = t.app->store().reset_tokens().issue(a);
        CPPUNIT_ASSERT(t.app->store().reset_tokens().consume(used));
        std::string ta = t.app->store().reset_tokens().issue(a);
        std::string tb = t.app->store().reset_tokens().issue(b);
        t.app->store().reset_tokens().void_all_for_user(a);
        CPPUNIT_ASSERT(t.app->store().reset_tokens().check(ta).state == TokenState::Superseded);
        CPPUNIT_ASSERT(!t.app->store().reset_tokens().consume(ta));
        CPPUNIT_ASSERT(t.app->store().reset_tokens().check(used).state == TokenState::Used);
        CPPUNIT_ASSERT(t.app->store().reset_tokens().check(tb).state == TokenState::Valid);
        // A token issued afterwards works.
        std::string later = t.app->store().reset_tokens().issue(a);
        CPPUNIT_ASSERT(t.app->store().reset_tokens().check(later).state == TokenState::Valid);
        // Voiding a user without tokens is harmless.
        t.app->store().reset_tokens().void_all_for_user(9999);
    }

    void issued_since_counts_the_users_recent_tokens() {
        test::TestApp t;
        auto a = test::make_user(*t.app, "a@example.test", test::kGoodPassword);
        auto b = test::make_user(*t.app, "b@example.test", test::kGoodPassword);
        std::int64_t start = t.clock->now();
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), t.app->store().reset_tokens().issued_since(a, start - 3600));
        t.app->store().reset_tokens().issue(a);
        t.clock->advance(100);
        t.app->store().reset_tokens().issue(a);
        t.clock->advance(100);
        t.app->store().reset_tokens().issue(a);
        t.app->store().reset_tokens().issue(b);
        // Superseded and used tokens still count: the count limits mails sent.
        CPPUNIT_ASSERT_EQUAL(std::int64_t(3), t.app->store().reset_tokens().issued_since(a, start - 1));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(2), t.app->store().reset_tokens().issued_since(a, start + 50));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), t.app->store().reset_tokens().issued_since(a, start + 150));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), t.app->store().reset_tokens().issued_since(a, start + 250));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), t.app->store().reset_tokens().issued_since(b, start - 1));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), t.app->store().reset_tokens().issued_since(9999, start - 1));
    }

    void purge_old_keeps_recent_rows() {
        test::TestApp t;
        auto uid = test::make_user(*t.app, "a@example.test", test::kGoodPassword);
        std::string old = t.app->store().reset_tokens().issue(uid);
        t.clock->advance(3 * 24 * 3600);
        std::string recent = t.app->store().reset_tokens().issue(uid);
        t.app->store().reset_tokens().purge_old();
        CPPUNIT_ASSERT_EQUAL(std::int64_t(2), token_rows(*t.app));
        t.clock->advance(4 * 24 * 3600 + 1800 + 1);  // `old` is a week past its expiry
        t.app->store().reset_tokens().purge_old();
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), token_rows(*t.app));
        CPPUNIT_ASSERT(t.app->store().reset_tokens().check(old).state == TokenState::Unknown);
        CPPUNIT_ASSERT(t.app->store().reset_tokens().check(recent).state == TokenState::Expired);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(ResetTokensTest);

}  // namespace
