// Tests for the email-change links (the store's email_changes tokens, with
// the new address as payload) and Accounts::confirm_email_change: 256-bit
// tokens kept only as a digest, the pending change, the states check()
// reports, single use, expiry, a newer request or a cancel voiding older
// links, and the uniqueness check at confirmation (case-insensitive, inside
// the transaction).
#include <cppunit/extensions/HelperMacros.h>

#include <filesystem>

#include "core/crypto.hh"
#include "store/sqlite/db.hh"
#include "store/store.hh"
#include "support.hh"

namespace {

using EmailChangeResult = auth::EmailConfirmResult;
using auth::TokenState;

class EmailChangesTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(EmailChangesTest);
    CPPUNIT_TEST(issue_returns_a_token_and_keeps_only_its_digest);
    CPPUNIT_TEST(pending_shows_the_newest_change);
    CPPUNIT_TEST(check_reports_each_state);
    CPPUNIT_TEST(confirm_changes_the_address_once);
    CPPUNIT_TEST(confirm_after_expiry_fails);
    CPPUNIT_TEST(newer_request_voids_older_link);
    CPPUNIT_TEST(cancel_voids_the_link);
    CPPUNIT_TEST(taken_address_fails_at_confirmation);
    CPPUNIT_TEST(taken_check_ignores_case);
    CPPUNIT_TEST(rolled_back_confirmation_changes_nothing);
    CPPUNIT_TEST(lifetime_follows_email_change_ttl);
    CPPUNIT_TEST(issued_since_and_purge);
    CPPUNIT_TEST_SUITE_END();

    std::unique_ptr<test::TestApp> t_;
    std::int64_t ada_ = 0, bob_ = 0;

    auth::TokenStore& store() { return t_->app->store().email_changes(); }
    std::string email_of(std::int64_t id) { return t_->app->store().users().find_by_id(id)->email; }

    auth::EmailConfirmOutcome confirm(const std::string& token) {
        return t_->app->accounts.confirm_email_change(token, {"192.0.2.1", "", ""}, std::nullopt);
    }

public:
    void setUp() override {
        t_ = std::make_unique<test::TestApp>();
        ada_ = test::make_user(*t_->app, "ada@example.test", test::kGoodPassword, "Ada");
        bob_ = test::make_user(*t_->app, "bob@example.test", test::kGoodPassword, "Bob");
    }
    void tearDown() override { t_.reset(); }

    void issue_returns_a_token_and_keeps_only_its_digest() {
        std::string token = store().issue(ada_, "ada@new.example");
        CPPUNIT_ASSERT(auth::looks_like_token(token));
        CPPUNIT_ASSERT(token != store().issue(bob_, "bob@new.example"));
        auto q = test::db(*t_->app).query("SELECT token_hash, new_email FROM email_changes WHERE user_id = ?");
        q.bind(1, ada_);
        CPPUNIT_ASSERT(q.step());
        CPPUNIT_ASSERT(q.text(0) == auth::token_digest(token));
        CPPUNIT_ASSERT(q.text(0).find(token) == std::string::npos);
        CPPUNIT_ASSERT_EQUAL(std::string("ada@new.example"), q.text(1));
        // The address is not changed by asking.
        CPPUNIT_ASSERT_EQUAL(std::string("ada@example.test"), email_of(ada_));
    }

    void pending_shows_the_newest_change() {
        CPPUNIT_ASSERT(!store().pending(ada_));
        store().issue(ada_, "first@new.example");
        t_->clock->advance(10);
        store().issue(ada_, "second@new.example");
        auto p = store().pending(ada_);
        CPPUNIT_ASSERT(p);
        CPPUNIT_ASSERT_EQUAL(std::string("second@new.example"), p->payload);
        CPPUNIT_ASSERT_EQUAL(t_->clock->now(), p->created_at);
        CPPUNIT_ASSERT_EQUAL(t_->clock->now() + 86400, p->expires_at);
        CPPUNIT_ASSERT(!store().pending(bob_));
        t_->clock->advance(86400);
        CPPUNIT_ASSERT(!store().pending(ada_));
    }

    void check_reports_each_state() {
        std::string token = store().issue(ada_, "ada@new.example");
        auth::TokenCheck c = store().check(token);
        CPPUNIT_ASSERT(c.state == TokenState::Valid);
        CPPUNIT_ASSERT_EQUAL(ada_, c.user_id);
        CPPUNIT_ASSERT_EQUAL(std::string("ada@new.example"), c.payload);
        for (const std::string& bad : {std::string(""), std::string("short"), token + "x", token.substr(1) + "!"})
            CPPUNIT_ASSERT(store().check(bad).state == TokenState::Malformed);
        CPPUNIT_ASSERT(store().check(auth::random_token(32)).state == TokenState::Unknown);
        confirm(token);
        CPPUNIT_ASSERT(store().check(token).state == TokenState::Used);
    }

    void confirm_changes_the_address_once() {
        std::string token = store().issue(ada_, "ada@new.example");
        t_->clock->advance(60);
        auth::EmailConfirmOutcome out = confirm(token);
        CPPUNIT_ASSERT(out.result == EmailChangeResult::Changed);
        CPPUNIT_ASSERT_EQUAL(ada_, out.user_id);
        CPPUNIT_ASSERT_EQUAL(std::string("ada@new.example"), out.new_email);
        CPPUNIT_ASSERT_EQUAL(std::string("ada@new.example"), email_of(ada_));
        CPPUNIT_ASSERT(t_->app->store().users().find_by_email("ada@new.example"));
        CPPUNIT_ASSERT(!t_->app->store().users().find_by_email("ada@example.test"));
        CPPUNIT_ASSERT(!store().pending(ada_));
        auth::EmailConfirmOutcome again = confirm(token);
        CPPUNIT_ASSERT(again.result == EmailChangeResult::BadLink);
        CPPUNIT_ASSERT(again.state == TokenState::Used);
        CPPUNIT_ASSERT_EQUAL(std::string("bob@example.test"), email_of(bob_));
    }

    void confirm_after_expiry_fails() {
        std::string token = store().issue(ada_, "ada@new.example");
        t_->clock->advance(86400 - 1);
        CPPUNIT_ASSERT(store().check(token).state == TokenState::Valid);
        t_->clock->advance(1);  // exactly at expires_at: expired
        CPPUNIT_ASSERT(store().check(token).state == TokenState::Expired);
        auth::EmailConfirmOutcome out = confirm(token);
        CPPUNIT_ASSERT(out.result == EmailChangeResult::BadLink);
        CPPUNIT_ASSERT(out.state == TokenState::Expired);
        CPPUNIT_ASSERT_EQUAL(std::string("ada@example.test"), email_of(ada_));
    }

    void newer_request_voids_older_link() {
        std::string older = store().issue(ada_, "first@new.example");
        std::string other = store().issue(bob_, "bob@new.example");
        std::string newer = store().issue(ada_, "second@new.example");
        CPPUNIT_ASSERT(store().check(older).state == TokenState::Superseded);
        CPPUNIT_ASSERT(store().check(other).state == TokenState::Valid);
        CPPUNIT_ASSERT(confirm(older).result == EmailChangeResult::BadLink);
        CPPUNIT_ASSERT(confirm(newer).result == EmailChangeResult::Changed);
        CPPUNIT_ASSERT_EQUAL(std::string("second@new.example"), email_of(ada_));
    }

    void cancel_voids_the_link() {
        std::string token = store().issue(ada_, "ada@new.example");
        std::string bobs = store().issue(bob_, "bob@new.example");
        store().void_all_for_user(ada_);
        CPPUNIT_ASSERT(!store().pending(ada_));
        CPPUNIT_ASSERT(store().check(token).state == TokenState::Superseded);
        CPPUNIT_ASSERT(confirm(token).result == EmailChangeResult::BadLink);
        CPPUNIT_ASSERT_EQUAL(std::string("ada@example.test"), email_of(ada_));
        CPPUNIT_ASSERT(store().check(bobs).state == TokenState::Valid);
    }

    void taken_address_fails_at_confirmation() {
        // Asking for an address that has an account is accepted (nothing tells)...
        std::string token = store().issue(ada_, "bob@example.test");
        CPPUNIT_ASSERT(store().pending(ada_));
        // ...and refused when the link is opened.
        auth::EmailConfirmOutcome out = confirm(token);
        CPPUNIT_ASSERT(out.result == EmailChangeResult::Taken);
        CPPUNIT_ASSERT_EQUAL(std::string("ada@example.test"), email_of(ada_));
        CPPUNIT_ASSERT_EQUAL(std::string("bob@example.test"), email_of(bob_));
        CPPUNIT_ASSERT(!store().pending(ada_));
        CPPUNIT_ASSERT(store().check(token).state == TokenState::Superseded);
        // Taken by an account made after the request: the same.
        std::string later = store().issue(ada_, "carol@example.test");
        test::make_user(*t_->app, "carol@example.test", test::kGoodPassword, "Carol");
        CPPUNIT_ASSERT(confirm(later).result == EmailChangeResult::Taken);
        CPPUNIT_ASSERT_EQUAL(std::string("ada@example.test"), email_of(ada_));
    }

    void taken_check_ignores_case() {
        std::string token = store().issue(ada_, "BOB@example.test");
        CPPUNIT_ASSERT(confirm(token).result == EmailChangeResult::Taken);
        CPPUNIT_ASSERT_EQUAL(std::string("ada@example.test"), email_of(ada_));
        // Only a different spelling of one's own address is no conflict.
        std::string own = store().issue(ada_, "Ada@example.test");
        CPPUNIT_ASSERT(confirm(own).result == EmailChangeResult::Changed);
        CPPUNIT_ASSERT_EQUAL(std::string("Ada@example.test"), email_of(ada_));
    }

    void rolled_back_confirmation_changes_nothing() {
        // The notice cannot be written (its template is missing): the change,
        // made in the same transaction, does not happen either.
        test::TempDir templates;
        for (const auto& f : std::filesystem::directory_iterator(test::source_dir() + "/templates"))
            if (f.path().filename().string().rfind("notice_mail", 0) != 0)
                std::filesystem::copy(f.path(), templates.file(f.path().filename().string()));
        test::TestApp broken("http://127.0.0.1:8080", [&](auth::Config& c) { c.template_dir = templates.path(); });
        std::int64_t id = test::make_user(*broken.app, "ada@example.test", test::kGoodPassword, "Ada");
        std::string token = broken.app->store().email_changes().issue(id, "ada@new.example");
        CPPUNIT_ASSERT_THROW(broken.app->accounts.confirm_email_change(token, {"192.0.2.1", "", ""}, std::nullopt),
                             std::runtime_error);
        CPPUNIT_ASSERT_EQUAL(std::string("ada@example.test"), broken.app->store().users().find_by_id(id)->email);
        CPPUNIT_ASSERT(broken.app->store().email_changes().check(token).state == TokenState::Valid);
    }

    void lifetime_follows_email_change_ttl() {
        test::TestApp short_lived("http://127.0.0.1:8080", [](auth::Config& c) { c.email_change_ttl = 60; });
        std::int64_t id = test::make_user(*short_lived.app, "x@example.test", test::kGoodPassword);
        std::string token = short_lived.app->store().email_changes().issue(id, "y@example.test");
        CPPUNIT_ASSERT_EQUAL(std::int64_t(60), short_lived.app->store().email_changes().ttl());
        short_lived.clock->advance(60);
        CPPUNIT_ASSERT(short_lived.app->store().email_changes().check(token).state == TokenState::Expired);
    }

    void issued_since_and_purge() {
        std::int64_t start = t_->clock->now();
        store().issue(ada_, "a1@new.example");
        t_->clock->advance(10);
        store().issue(ada_, "a2@new.example");
        store().issue(bob_, "b@new.example");
        CPPUNIT_ASSERT_EQUAL(std::int64_t(2), store().issued_since(ada_, start - 1));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), store().issued_since(ada_, start));
        t_->clock->advance(86400 + 7 * 24 * 3600 + 1);
        store().purge_old();
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), store().issued_since(ada_, 0));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), store().issued_since(bob_, 0));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(EmailChangesTest);

}  // namespace
