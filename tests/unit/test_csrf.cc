// Tests for csrf: tokens bound to the server key, the browser secret and the
// session; nothing else validates.
#include <cppunit/extensions/HelperMacros.h>

#include <string>

#include "core/crypto.hh"
#include "web/csrf.hh"

namespace {

const std::string kKey = "csrf-test-key-0123456789abcdef0123456789";
const std::string kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

}  // namespace

class CsrfTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(CsrfTest);
    CPPUNIT_TEST(token_is_valid_for_its_browser_and_session);
    CPPUNIT_TEST(token_before_login_is_valid_only_without_a_session);
    CPPUNIT_TEST(token_is_invalid_for_another_browser_secret);
    CPPUNIT_TEST(token_is_invalid_for_another_session);
    CPPUNIT_TEST(token_is_invalid_under_another_key);
    CPPUNIT_TEST(any_changed_character_invalidates);
    CPPUNIT_TEST(wrong_lengths_are_invalid);
    CPPUNIT_TEST(empty_browser_secret_never_validates);
    CPPUNIT_TEST(tokens_differ_each_time_and_are_url_safe);
    CPPUNIT_TEST_SUITE_END();

public:
    void setUp() override {
        browser_ = auth::random_token();
        session_ = auth::random_token();
    }

    void token_is_valid_for_its_browser_and_session() {
        auth::Csrf csrf(kKey);
        std::string t = csrf.token(browser_, session_);
        CPPUNIT_ASSERT(csrf.valid(t, browser_, session_));
        CPPUNIT_ASSERT(auth::Csrf(kKey).valid(t, browser_, session_));  // another process, same key
    }

    void token_before_login_is_valid_only_without_a_session() {
        auth::Csrf csrf(kKey);
        std::string t = csrf.token(browser_, "");
        CPPUNIT_ASSERT(csrf.valid(t, browser_, ""));
        CPPUNIT_ASSERT(!csrf.valid(t, browser_, session_));
        CPPUNIT_ASSERT(!csrf.valid(csrf.token(browser_, session_), browser_, ""));
    }

    void token_is_invalid_for_another_browser_secret() {
        auth::Csrf csrf(kKey);
        std::string t = csrf.token(browser_, session_);
        CPPUNIT_ASSERT(!csrf.valid(t, auth::random_token(), session_));
        CPPUNIT_ASSERT(!csrf.valid(t, browser_ + "x", session_));
    }

    void token_is_invalid_for_another_session() {
        auth::Csrf csrf(kKey);
        std::string t = csrf.token(browser_, session_);
        CPPUNIT_ASSERT(!csrf.valid(t, browser_, auth::random_token()));
    }

    void token_is_invalid_under_another_key() {
        std::string t = auth::Csrf(kKey).token(browser_, session_);
        CPPUNIT_ASSERT(!auth::Csrf(kKey + "!").valid(t, browser_, session_));
        CPPUNIT_ASSERT(!auth::Csrf("").valid(t, browser_, session_));
    }

    void any_changed_character_invalidates() {
        auth::Csrf csrf(kKey);
        std::string t = csrf.token(browser_, session_);
        for (std::size_t i = 0; i < t.size(); ++i) {
            std::string tampered = t;
            tampered[i] = t[i] == 'A' ? 'B' : 'A';
            CPPUNIT_ASSERT_MESSAGE("position " + std::to_string(i), !csrf.valid(tampered, browser_, session_));
        }
    }

    void wrong_lengths_are_invalid() {
        auth::Csrf csrf(kKey);
        std::string t = csrf.token(browser_, session_);
        CPPUNIT_ASSERT(!csrf.valid("", browser_, session_));
        CPPUNIT_ASSERT(!csrf.valid(t.substr(0, t.size() - 1), browser_, session_));
        CPPUNIT_ASSERT(!csrf.valid(t + "A", browser_, session_));
        CPPUNIT_ASSERT(!csrf.valid(t.substr(0, 22), browser_, session_));  // the nonce alone
        CPPUNIT_ASSERT(!csrf.valid(t + t, browser_, session_));
    }

    void empty_browser_secret_never_validates() {
        auth::Csrf csrf(kKey);
        std::string t = csrf.token("", session_);
        CPPUNIT_ASSERT(!csrf.valid(t, "", session_));
        CPPUNIT_ASSERT(!csrf.valid(csrf.token("", ""), "", ""));
    }

    void tokens_differ_each_time_and_are_url_safe() {
        auth::Csrf csrf(kKey);
        std::string a = csrf.token(browser_, session_);
        std::string b = csrf.token(browser_, session_);
        CPPUNIT_ASSERT(a != b);
        CPPUNIT_ASSERT(a.substr(0, 22) != b.substr(0, 22));  // a fresh nonce
        CPPUNIT_ASSERT(csrf.valid(a, browser_, session_) && csrf.valid(b, browser_, session_));
        CPPUNIT_ASSERT_EQUAL(std::size_t(22 + 43), a.size());
        CPPUNIT_ASSERT_EQUAL(std::string::npos, a.find_first_not_of(kAlphabet));
        CPPUNIT_ASSERT(a.find(browser_) == std::string::npos && a.find(session_) == std::string::npos);
    }

private:
    std::string browser_;
    std::string session_;
};

CPPUNIT_TEST_SUITE_REGISTRATION(CsrfTest);
