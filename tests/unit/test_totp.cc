// Tests for core/totp (SHA-1, HMAC-SHA1, HOTP, TOTP, base32, the otpauth
// URI) with the published vectors: FIPS 180 for SHA-1, RFC 2202 for
// HMAC-SHA1, RFC 4226 appendix D for HOTP, RFC 6238 appendix B for TOTP,
// RFC 4648 section 10 for base32; and core/crypto's AEAD and key derivation.
#include <cppunit/extensions/HelperMacros.h>

#include <string>

#include "core/crypto.hh"
#include "core/totp.hh"

namespace {

std::string hex(const std::string& bytes) {
    static const char digits[] = "0123456789abcdef";
    std::string out;
    for (unsigned char c : bytes) {
        out += digits[c >> 4];
        out += digits[c & 15];
    }
    return out;
}

std::string unhex(const std::string& text) {
    std::string out;
    for (std::size_t i = 0; i + 1 < text.size(); i += 2) out += static_cast<char>(std::stoi(text.substr(i, 2), nullptr, 16));
    return out;
}

const std::string kRfcKey = "12345678901234567890";  // RFC 4226 and RFC 6238 (SHA-1)

}  // namespace

class TotpTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(TotpTest);
    CPPUNIT_TEST(sha1_fips_vectors);
    CPPUNIT_TEST(sha1_every_padding_length);
    CPPUNIT_TEST(hmac_sha1_rfc2202_vectors);
    CPPUNIT_TEST(hotp_rfc4226_vectors);
    CPPUNIT_TEST(totp_rfc6238_vectors);
    CPPUNIT_TEST(totp_six_digits_keep_leading_zeros);
    CPPUNIT_TEST(base32_rfc4648_vectors);
    CPPUNIT_TEST(base32_decode_refuses_other_characters);
    CPPUNIT_TEST(otpauth_uri_carries_secret_and_parameters);
    CPPUNIT_TEST(aead_round_trip_and_tampering);
    CPPUNIT_TEST(derived_keys_differ_by_context_and_secret);
    CPPUNIT_TEST_SUITE_END();

public:
    void sha1_fips_vectors() {
        CPPUNIT_ASSERT_EQUAL(std::string("a9993e364706816aba3e25717850c26c9cd0d89d"), hex(auth::sha1("abc")));
        CPPUNIT_ASSERT_EQUAL(std::string("da39a3ee5e6b4b0d3255bfef95601890afd80709"), hex(auth::sha1("")));
        CPPUNIT_ASSERT_EQUAL(std::string("84983e441c3bd26ebaae4aa1f95129e5e54670f1"),
                             hex(auth::sha1("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")));
        CPPUNIT_ASSERT_EQUAL(std::string("34aa973cd4c4daa4f61eeb2bdbad27316534016f"),
                             hex(auth::sha1(std::string(1000000, 'a'))));
    }

    void sha1_every_padding_length() {
        // Lengths around the block and padding edges (55, 56, 63, 64, 65)
        // against values computed with Python's hashlib.
        CPPUNIT_ASSERT_EQUAL(std::string("c1c8bbdc22796e28c0e15163d20899b65621d65a"), hex(auth::sha1(std::string(55, 'a'))));
        CPPUNIT_ASSERT_EQUAL(std::string("c2db330f6083854c99d4b5bfb6e8f29f201be699"), hex(auth::sha1(std::string(56, 'a'))));
        CPPUNIT_ASSERT_EQUAL(std::string("03f09f5b158a7a8cdad920bddc29b81c18a551f5"), hex(auth::sha1(std::string(63, 'a'))));
        CPPUNIT_ASSERT_EQUAL(std::string("0098ba824b5c16427bd7a1122a5a442a25ec644d"), hex(auth::sha1(std::string(64, 'a'))));
        CPPUNIT_ASSERT_EQUAL(std::string("11655326c708d70319be2610e8a57d9a5b959d3b"), hex(auth::sha1(std::string(65, 'a'))));
    }

    void hmac_sha1_rfc2202_vectors() {
        CPPUNIT_ASSERT_EQUAL(std::string("b617318655057264e28bc0b6fb378c8ef146be00"),
                             hex(auth::hmac_sha1(std::string(20, '\x0b'), "Hi There")));
        CPPUNIT_ASSERT_EQUAL(std::string("effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"),
                             hex(auth::hmac_sha1("Jefe", "what do ya want for nothing?")));
        CPPUNIT_ASSERT_EQUAL(std::string("125d7342b9ac11cd91a39af48aa17b4f63f175d3"),
                             hex(auth::hmac_sha1(std::string(20, '\xaa'), std::string(50, '\xdd'))));
        CPPUNIT_ASSERT_EQUAL(std::string("4c9007f4026250c6bc8414f9bf50c86c2d7235da"),
                             hex(auth::hmac_sha1(unhex("0102030405060708090a0b0c0d0e0f10111213141516171819"),
                                                 std::string(50, '\xcd'))));
        CPPUNIT_ASSERT_EQUAL(std::string("4c1a03424b55e07fe7f27be1d58bb9324a9a5a04"),
                             hex(auth::hmac_sha1(std::string(20, '\x0c'), "Test With Truncation")));
        CPPUNIT_ASSERT_EQUAL(std::string("aa4ae5e15272d00e95705637ce8a3b55ed402112"),
                             hex(auth::hmac_sha1(std::string(80, '\xaa'),
                                                 "Test Using Larger Than Block-Size Key - Hash Key First")));
        CPPUNIT_ASSERT_EQUAL(
            std::string("e8e99d0f45237d786d6bbaa7965c7808bbff1a91"),
            hex(auth::hmac_sha1(std::string(80, '\xaa'),
                                "Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data")));
    }

    void hotp_rfc4226_vectors() {
        const char* expected[] = {"755224", "287082", "359152", "969429", "338314",
                                  "254676", "287922", "162583", "399871", "520489"};
        for (std::uint64_t i = 0; i < 10; ++i) CPPUNIT_ASSERT_EQUAL(std::string(expected[i]), auth::hotp(kRfcKey, i));
    }

    void totp_rfc6238_vectors() {
        struct Case {
            std::int64_t time;
            const char* code;
        } cases[] = {{59, "94287082"},         {1111111109, "07081804"}, {1111111111, "14050471"},
                     {1234567890, "89005924"}, {2000000000, "69279037"}, {20000000000, "65353130"}};
        for (const Case& c : cases)
            CPPUNIT_ASSERT_EQUAL(std::string(c.code),
                                 auth::hotp(kRfcKey, static_cast<std::uint64_t>(auth::totp_step(c.time)), 8));
        // The 6-digit codes the apps show are the last 6 of these.
        CPPUNIT_ASSERT_EQUAL(std::string("287082"), auth::totp(kRfcKey, auth::totp_step(59)));
        CPPUNIT_ASSERT_EQUAL(std::string("081804"), auth::totp(kRfcKey, auth::totp_step(1111111109)));
    }

    void totp_six_digits_keep_leading_zeros() {
        CPPUNIT_ASSERT_EQUAL(std::string("081804"), auth::totp(kRfcKey, 37037036));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(37037036), auth::totp_step(1111111109));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), auth::totp_step(59));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(2), auth::totp_step(60));
    }

    void base32_rfc4648_vectors() {
        const char* plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
        const char* coded[] = {"", "MY", "MZXQ", "MZXW6", "MZXW6YQ", "MZXW6YTB", "MZXW6YTBOI"};
        for (int i = 0; i < 7; ++i) {
            CPPUNIT_ASSERT_EQUAL(std::string(coded[i]), auth::base32_encode(plain[i]));
            CPPUNIT_ASSERT_EQUAL(std::string(plain[i]), auth::base32_decode(coded[i]).value());
        }
        CPPUNIT_ASSERT_EQUAL(std::string("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"), auth::base32_encode(kRfcKey));
        CPPUNIT_ASSERT_EQUAL(kRfcKey, auth::base32_decode("gezd gnbv gy3t qojq gezd gnbv gy3t qojq").value());
        CPPUNIT_ASSERT_EQUAL(std::string("foobar"), auth::base32_decode("MZXW6YTBOI======").value());
    }

    void base32_decode_refuses_other_characters() {
        CPPUNIT_ASSERT(!auth::base32_decode("MZXW6YTB0I"));  // zero is not base32
        CPPUNIT_ASSERT(!auth::base32_decode("MZXW1"));
        CPPUNIT_ASSERT(!auth::base32_decode("MZ-XW"));
    }

    void otpauth_uri_carries_secret_and_parameters() {
        std::string uri = auth::otpauth_uri(kRfcKey, "example.com:8080", "ada+x@example.test");
        CPPUNIT_ASSERT_EQUAL(std::string("otpauth://totp/example.com%3A8080:ada%2Bx@example.test?secret="
                                         "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=example.com%3A8080&algorithm=SHA1&"
                                         "digits=6&period=30"),
                             uri);
    }

    void aead_round_trip_and_tampering() {
        std::string key = auth::derive_key("a secret key of the site, long enough", "2fa-totp");
        std::string nonce;
        std::string sealed = auth::aead_seal(key, kRfcKey, "account 7", nonce);
        CPPUNIT_ASSERT(sealed.find(kRfcKey) == std::string::npos);
        CPPUNIT_ASSERT_EQUAL(kRfcKey.size() + 16, sealed.size());
        CPPUNIT_ASSERT_EQUAL(kRfcKey, auth::aead_open(key, nonce, sealed, "account 7").value());
        // Another account's associated data, another key, a changed byte: nothing opens.
        CPPUNIT_ASSERT(!auth::aead_open(key, nonce, sealed, "account 8"));
        CPPUNIT_ASSERT(!auth::aead_open(auth::derive_key("another secret key of the site, long", "2fa-totp"), nonce, sealed,
                                        "account 7"));
        std::string changed = sealed;
        changed[3] ^= 1;
        CPPUNIT_ASSERT(!auth::aead_open(key, nonce, changed, "account 7"));
        std::string nonce2;
        CPPUNIT_ASSERT(auth::aead_seal(key, kRfcKey, "account 7", nonce2) != sealed);  // a new nonce each time
        CPPUNIT_ASSERT(nonce2 != nonce);
    }

    void derived_keys_differ_by_context_and_secret() {
        std::string a = auth::derive_key("secret one, long enough for the test", "2fa-totp");
        CPPUNIT_ASSERT_EQUAL(std::size_t(32), a.size());
        CPPUNIT_ASSERT(a == auth::derive_key("secret one, long enough for the test", "2fa-totp"));
        CPPUNIT_ASSERT(a != auth::derive_key("secret one, long enough for the test", "2fa-rcvy"));
        CPPUNIT_ASSERT(a != auth::derive_key("secret two, long enough for the test", "2fa-totp"));
        // Not the outbox's key (mail/outbox.cc) either.
        CPPUNIT_ASSERT(a != auth::mac("secret one, long enough for the test", "sessionauth outbox key v1"));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(TotpTest);
