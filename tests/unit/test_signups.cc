// Tests for auth::SignupStore (SQLite): registrations waiting for their
// link. Tokens kept only as a digest, the states check() reports, a newer
// registration for an address voiding the older, single use, nothing
// personal kept once a link is used, void or expired, the request counts.
#include <cppunit/extensions/HelperMacros.h>

#include "core/crypto.hh"
#include "store/sqlite/db.hh"
#include "store/store.hh"
#include "support.hh"

namespace {

using auth::TokenState;

const char* const kHash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA";

std::int64_t rows_holding_personal_data(auth::App& app) {
    auto q = test::db(app).query("SELECT count(*) FROM signups WHERE email != '' OR name != '' OR password_hash != ''");
    q.step();
    return q.int64(0);
}

class SignupsTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(SignupsTest);
    CPPUNIT_TEST(database_holds_only_the_digest_of_the_token);
    CPPUNIT_TEST(fresh_link_is_valid_with_what_was_registered);
    CPPUNIT_TEST(malformed_and_unknown_links);
    CPPUNIT_TEST(newer_registration_voids_the_older_any_case);
    CPPUNIT_TEST(other_addresses_are_not_voided);
    CPPUNIT_TEST(consume_works_once_and_forgets_the_person);
    CPPUNIT_TEST(expiry_at_expires_at_then_purge_forgets);
    CPPUNIT_TEST(pending_is_the_newest_valid_registration);
    CPPUNIT_TEST(request_counts_per_client_and_per_address);
    CPPUNIT_TEST(decoys_and_a_kept_expiry);
    CPPUNIT_TEST(purge_deletes_rows_a_week_past_expiry);
    CPPUNIT_TEST_SUITE_END();

public:
    void database_holds_only_the_digest_of_the_token() {
        test::TestApp t;
        std::string token = t.app->store().signups().add("ada@example.test", "Ada", kHash);
        CPPUNIT_ASSERT(auth::looks_like_token(token));
        auto q = test::db(*t.app).query("SELECT token_hash, created_at, expires_at FROM signups");
        CPPUNIT_ASSERT(q.step());
        CPPUNIT_ASSERT(q.text(0) == auth::token_digest(token));
        CPPUNIT_ASSERT(q.text(0).find(token) == std::string::npos);
        CPPUNIT_ASSERT_EQUAL(t.clock->now() + t.app->config().signup_token_ttl, q.int64(2));
    }

    void fresh_link_is_valid_with_what_was_registered() {
        test::TestApp t;
        std::string token = t.app->store().signups().add("ada@example.test", "Ada Lovelace", kHash);
        auth::SignupCheck c = t.app->store().signups().check(token);
        CPPUNIT_ASSERT(c.state == TokenState::Valid);
        CPPUNIT_ASSERT_EQUAL(std::string("ada@example.test"), c.signup.email);
        CPPUNIT_ASSERT_EQUAL(std::string("Ada Lovelace"), c.signup.name);
        CPPUNIT_ASSERT_EQUAL(std::string(kHash), c.signup.password_hash);
    }

    void malformed_and_unknown_links() {
        test::TestApp t;
        auth::SignupStore& s = t.app->store().signups();
        s.add("ada@example.test", "Ada", kHash);
        for (const char* bad : {"", "short", "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!", "x"})
            CPPUNIT_ASSERT(s.check(bad).state == TokenState::Malformed);
        CPPUNIT_ASSERT(s.check(auth::random_token(32)).state == TokenState::Unknown);
        CPPUNIT_ASSERT(!s.consume(auth::random_token(32)));
    }

    void newer_registration_voids_the_older_any_case() {
        test::TestApp t;
        auth::SignupStore& s = t.app->store().signups();
        std::string first = s.add("ada@example.test", "First Person", kHash);
        std::string second = s.add("ADA@example.test", "Second Person", kHash);
        auth::SignupCheck old = s.check(first);
        CPPUNIT_ASSERT(old.state == TokenState::Superseded);
        CPPUNIT_ASSERT(old.signup.name.empty() && old.signup.password_hash.empty());  // forgotten
        CPPUNIT_ASSERT(!s.consume(first));
        CPPUNIT_ASSERT(s.check(second).state == TokenState::Valid);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), rows_holding_personal_data(*t.app));
    }

    void other_addresses_are_not_voided() {
        test::TestApp t;
        auth::SignupStore& s = t.app->store().signups();
        std::string ada = s.add("ada@example.test", "Ada", kHash);
        s.add("grace@example.test", "Grace", kHash);
        CPPUNIT_ASSERT(s.check(ada).state == TokenState::Valid);
    }

    void consume_works_once_and_forgets_the_person() {
        test::TestApp t;
        auth::SignupStore& s = t.app->store().signups();
        std::string token = s.add("ada@example.test", "Ada", kHash);
        auto got = s.consume(token);
        CPPUNIT_ASSERT(got);
        CPPUNIT_ASSERT_EQUAL(std::string("ada@example.test"), got->email);
        CPPUNIT_ASSERT_EQUAL(std::string(kHash), got->password_hash);
        CPPUNIT_ASSERT(!s.consume(token));
        CPPUNIT_ASSERT(s.check(token).state == TokenState::Used);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), rows_holding_personal_data(*t.app));
        CPPUNIT_ASSERT(!s.pending("ada@example.test"));
    }

    void expiry_at_expires_at_then_purge_forgets() {
        test::TestApp t;
        auth::SignupStore& s = t.app->store().signups();
        std::string token = s.add("ada@example.test", "Ada", kHash);
        t.clock->advance(t.app->config().signup_token_ttl - 1);
        CPPUNIT_ASSERT(s.check(token).state == TokenState::Valid);
        t.clock->advance(1);
        CPPUNIT_ASSERT(s.check(token).state == TokenState::Expired);
        CPPUNIT_ASSERT(!s.consume(token));
        CPPUNIT_ASSERT(!s.pending("ada@example.test"));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), rows_holding_personal_data(*t.app));
        s.purge_old();
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), rows_holding_personal_data(*t.app));
        CPPUNIT_ASSERT(s.check(token).state == TokenState::Expired);  // the page still says why
    }

    void pending_is_the_newest_valid_registration() {
        test::TestApp t;
        auth::SignupStore& s = t.app->store().signups();
        CPPUNIT_ASSERT(!s.pending("ada@example.test"));
        s.add("ada@example.test", "Old Name", kHash);
        t.clock->advance(5);
        s.add("ada@example.test", "New Name", "other hash");
        auto p = s.pending("Ada@Example.test");
        CPPUNIT_ASSERT(p);
        CPPUNIT_ASSERT_EQUAL(std::string("New Name"), p->name);
        CPPUNIT_ASSERT_EQUAL(std::string("other hash"), p->password_hash);
        s.void_all_for("ada@example.test");
        CPPUNIT_ASSERT(!s.pending("ada@example.test"));
    }

    void request_counts_per_client_and_per_address() {
        test::TestApp t;
        auth::SignupStore& s = t.app->store().signups();
        std::int64_t now = t.clock->now();
        s.record_request("ada@example.test", "192.0.2.1", now - 4000);  // past the hour
        s.record_request("ada@example.test", "192.0.2.1", now - 10);
        s.record_request("ADA@example.test", "192.0.2.2", now - 5);
        s.record_request("grace@example.test", "192.0.2.1", now);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(2), s.requests_from("192.0.2.1", now - 3600));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), s.requests_from("192.0.2.2", now - 3600));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), s.requests_for("ada@example.test", "192.0.2.1", now - 3600));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), s.requests_for("Ada@Example.test", "192.0.2.2", now - 3600));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), s.requests_for("ada@example.test", "192.0.2.3", now - 3600));
        s.purge_old();
        auto q = test::db(*t.app).query("SELECT count(*) FROM signup_requests");
        q.step();
        CPPUNIT_ASSERT_EQUAL(std::int64_t(3), q.int64(0));
    }

    void decoys_and_a_kept_expiry() {
        test::TestApp t;
        auth::SignupStore& s = t.app->store().signups();
        std::int64_t end = t.clock->now() + 100;
        s.add("ada@example.test", "Ada", kHash, end, true);
        auto p = s.pending("ada@example.test");
        CPPUNIT_ASSERT(p && p->decoy);
        CPPUNIT_ASSERT_EQUAL(end, p->expires_at);
        s.add("ada@example.test", "Ada", kHash);
        p = s.pending("ada@example.test");
        CPPUNIT_ASSERT(p && !p->decoy);
        CPPUNIT_ASSERT_EQUAL(t.clock->now() + t.app->config().signup_token_ttl, p->expires_at);
    }

    void purge_deletes_rows_a_week_past_expiry() {
        test::TestApp t;
        auth::SignupStore& s = t.app->store().signups();
        std::string token = s.add("ada@example.test", "Ada", kHash);
        t.clock->advance(t.app->config().signup_token_ttl + 7 * 24 * 3600 + 1);
        s.purge_old();
        CPPUNIT_ASSERT(s.check(token).state == TokenState::Unknown);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(SignupsTest);

}  // namespace
