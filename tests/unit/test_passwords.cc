// Tests for passwords: Argon2id hashes at the configured cost, verification
// without truncation, and rehash detection (memlimit in KiB, not bytes).
#include <cppunit/extensions/HelperMacros.h>

#include <string>

#include "account/passwords.hh"
#include "support.hh"

namespace {

// Cheap settings for most tests; the product's default in one test.
const auth::PasswordHasher& cheap() {
    static const auth::PasswordHasher h(1, 8);
    return h;
}

}  // namespace

class PasswordsTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(PasswordsTest);
    CPPUNIT_TEST(hash_is_argon2id_with_the_configured_cost);
    CPPUNIT_TEST(default_cost_is_19_mib_and_two_passes);
    CPPUNIT_TEST(same_password_hashes_differently_each_time);
    CPPUNIT_TEST(verify_accepts_the_right_password);
    CPPUNIT_TEST(verify_refuses_a_wrong_password);
    CPPUNIT_TEST(verify_refuses_a_truncated_or_extended_password);
    CPPUNIT_TEST(verify_refuses_empty_or_garbage_stored_values);
    CPPUNIT_TEST(unicode_and_long_passwords_round_trip);
    CPPUNIT_TEST(needs_rehash_is_false_at_the_same_cost);
    CPPUNIT_TEST(needs_rehash_is_true_at_another_cost);
    CPPUNIT_TEST(needs_rehash_is_true_for_garbage);
    CPPUNIT_TEST_SUITE_END();

public:
    void hash_is_argon2id_with_the_configured_cost() {
        std::string h = cheap().hash(test::kGoodPassword);
        CPPUNIT_ASSERT_MESSAGE(h, h.rfind("$argon2id$v=19$m=8,t=1,p=1$", 0) == 0);
        CPPUNIT_ASSERT(h.find(test::kGoodPassword) == std::string::npos);

        auth::PasswordHasher other(3, 16);
        std::string h2 = other.hash(test::kGoodPassword);
        CPPUNIT_ASSERT_MESSAGE(h2, h2.rfind("$argon2id$v=19$m=16,t=3,p=1$", 0) == 0);
        CPPUNIT_ASSERT_EQUAL(std::size_t(16 * 1024), other.memlimit_bytes());
        CPPUNIT_ASSERT_EQUAL(3ULL, other.opslimit());
    }

    void default_cost_is_19_mib_and_two_passes() {
        // The OWASP pair: m=19456 KiB, t=2 (a KiB/bytes mix-up shows here).
        auth::PasswordHasher owasp(2, 19456);
        std::string h = owasp.hash(test::kGoodPassword);
        CPPUNIT_ASSERT_MESSAGE(h, h.rfind("$argon2id$v=19$m=19456,t=2,p=1$", 0) == 0);
        CPPUNIT_ASSERT(owasp.verify(h, test::kGoodPassword));
        CPPUNIT_ASSERT(!owasp.needs_rehash(h));
    }

    void same_password_hashes_differently_each_time() {
        std::string a = cheap().hash(test::kGoodPassword);
        std::string b = cheap().hash(test::kGoodPassword);
        CPPUNIT_ASSERT(a != b);  // a fresh salt each time
        CPPUNIT_ASSERT(cheap().verify(a, test::kGoodPassword));
        CPPUNIT_ASSERT(cheap().verify(b, test::kGoodPassword));
    }

    void verify_accepts_the_right_password() {
        std::string h = cheap().hash("correct horse battery staple");
        CPPUNIT_ASSERT(cheap().verify(h, "correct horse battery staple"));
        // Any hasher verifies: the cost comes from the stored string.
        CPPUNIT_ASSERT(auth::PasswordHasher(2, 19456).verify(h, "correct horse battery staple"));
    }

    void verify_refuses_a_wrong_password() {
        std::string h = cheap().hash("correct horse battery staple");
        CPPUNIT_ASSERT(!cheap().verify(h, "Correct horse battery staple"));
        CPPUNIT_ASSERT(!cheap().verify(h, "wrong horse battery staple"));
        CPPUNIT_ASSERT(!cheap().verify(h, ""));
    }

    void verify_refuses_a_truncated_or_extended_password() {
        std::string pw(100, 'x');
        for (std::size_t i = 0; i < pw.size(); ++i) pw[i] = static_cast<char>('a' + (i * 7) % 26);
        std::string h = cheap().hash(pw);
        CPPUNIT_ASSERT(cheap().verify(h, pw));
        CPPUNIT_ASSERT(!cheap().verify(h, pw.substr(0, pw.size() - 1)));
        CPPUNIT_ASSERT(!cheap().verify(h, pw.substr(0, 72)));
        CPPUNIT_ASSERT(!cheap().verify(h, pw + "a"));
        // A NUL inside the password is part of it, not its end.
        std::string with_nul("abc\0def", 7);
        std::string hn = cheap().hash(with_nul);
        CPPUNIT_ASSERT(cheap().verify(hn, with_nul));
        CPPUNIT_ASSERT(!cheap().verify(hn, "abc"));
    }

    void verify_refuses_empty_or_garbage_stored_values() {
        std::string h = cheap().hash(test::kGoodPassword);
        CPPUNIT_ASSERT(!cheap().verify("", test::kGoodPassword));
        CPPUNIT_ASSERT(!cheap().verify("", ""));
        CPPUNIT_ASSERT(!cheap().verify("not a hash", test::kGoodPassword));
        CPPUNIT_ASSERT(!cheap().verify(h.substr(0, h.size() - 1), test::kGoodPassword));
        CPPUNIT_ASSERT(!cheap().verify(h + std::string(200, 'A'), test::kGoodPassword));
        CPPUNIT_ASSERT(!cheap().verify(test::kGoodPassword, test::kGoodPassword));
    }

    void unicode_and_long_passwords_round_trip() {
        const std::string unicode = "  ünï cødé 🐎 pass phrase ";
        std::string h = cheap().hash(unicode);
        CPPUNIT_ASSERT(cheap().verify(h, unicode));
        CPPUNIT_ASSERT(!cheap().verify(h, "ünï cødé 🐎 pass phrase"));  // spaces count
        std::string kib(1024, 'p');
        std::string hk = cheap().hash(kib);
        CPPUNIT_ASSERT(cheap().verify(hk, kib));
        CPPUNIT_ASSERT(!cheap().verify(hk, std::string(1023, 'p')));
    }

    void needs_rehash_is_false_at_the_same_cost() {
        CPPUNIT_ASSERT(!cheap().needs_rehash(cheap().hash(test::kGoodPassword)));
        auth::PasswordHasher other(3, 64);
        CPPUNIT_ASSERT(!other.needs_rehash(other.hash(test::kGoodPassword)));
    }

    void needs_rehash_is_true_at_another_cost() {
        std::string h = cheap().hash(test::kGoodPassword);  // t=1, m=8 KiB
        CPPUNIT_ASSERT(auth::PasswordHasher(2, 8).needs_rehash(h));
        CPPUNIT_ASSERT(auth::PasswordHasher(1, 16).needs_rehash(h));
        CPPUNIT_ASSERT(auth::PasswordHasher(2, 19456).needs_rehash(h));
    }

    void needs_rehash_is_true_for_garbage() {
        CPPUNIT_ASSERT(cheap().needs_rehash(""));
        CPPUNIT_ASSERT(cheap().needs_rehash("$2b$12$abcdefghijklmnopqrstuv"));  // bcrypt, say
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(PasswordsTest);
