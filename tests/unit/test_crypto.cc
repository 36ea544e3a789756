// Tests for crypto: random tokens, base64url, digests, MACs and comparison.
#include <cppunit/extensions/HelperMacros.h>

#include <sodium.h>

#include <set>
#include <string>

#include "core/crypto.hh"
#include "support.hh"

class CryptoTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(CryptoTest);
    CPPUNIT_TEST(random_token_is_43_url_safe_characters);
    CPPUNIT_TEST(random_token_encodes_the_requested_bytes);
    CPPUNIT_TEST(ten_thousand_tokens_are_unique);
    CPPUNIT_TEST(nonces_are_unique_and_of_their_length);
    CPPUNIT_TEST(base64url_known_values);
    CPPUNIT_TEST(base64url_round_trips_every_length);
    CPPUNIT_TEST(public_encoding_is_the_same_text);
    CPPUNIT_TEST(token_digest_is_32_bytes_and_deterministic);
    CPPUNIT_TEST(token_digest_differs_per_token);
    CPPUNIT_TEST(mac_depends_on_key_and_message);
    CPPUNIT_TEST(mac_is_not_the_plain_digest);
    CPPUNIT_TEST(mac_key_is_keyed_blake2b_of_the_hashed_key);
    CPPUNIT_TEST(constant_time_equal_compares_whole_strings);
    CPPUNIT_TEST(looks_like_token_checks_length_and_alphabet);
    CPPUNIT_TEST_SUITE_END();

public:
    void random_token_is_43_url_safe_characters() {
        for (int i = 0; i < 200; ++i) {
            std::string t = auth::random_token();
            CPPUNIT_ASSERT_EQUAL(std::size_t(43), t.size());
            CPPUNIT_ASSERT_MESSAGE(t, t.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
                                          std::string::npos);
            CPPUNIT_ASSERT(auth::looks_like_token(t));
        }
    }

    void random_token_encodes_the_requested_bytes() {
        auto decoded = test::base64url_decode(auth::random_token(32));
        CPPUNIT_ASSERT(decoded);
        CPPUNIT_ASSERT_EQUAL(std::size_t(32), decoded->size());
        std::string t16 = auth::random_token(16);
        CPPUNIT_ASSERT_EQUAL(std::size_t(22), t16.size());
        CPPUNIT_ASSERT_EQUAL(std::size_t(16), test::base64url_decode(t16)->size());
    }

    void ten_thousand_tokens_are_unique() {
        std::set<std::string> seen;
        for (int i = 0; i < 10000; ++i) seen.insert(auth::random_token());
        CPPUNIT_ASSERT_EQUAL(std::size_t(10000), seen.size());
        // Not a constant prefix either: the first characters vary.
        std::set<char> first;
        for (const auto& t : seen) first.insert(t[0]);
        CPPUNIT_ASSERT(first.size() > 50);
    }

    // Four 16-byte nonces come from one ChaCha20 block: none repeats, in
    // that block or across blocks, whatever sizes are asked in turn, and
    // two streams (two processes) do not share their nonces.
    void nonces_are_unique_and_of_their_length() {
        auth::NonceStream stream, other;
        std::set<std::string> seen;
        for (int i = 0; i < 10000; ++i) {
            std::string n = stream.token(16);
            CPPUNIT_ASSERT_EQUAL(std::size_t(22), n.size());
            CPPUNIT_ASSERT(auth::looks_like_token(n, 22));
            seen.insert(n);
            seen.insert(other.token(16));
        }
        CPPUNIT_ASSERT_EQUAL(std::size_t(20000), seen.size());
        for (std::size_t bytes : {1, 40, 16, 64, 63, 2, 16}) {
            std::string n = stream.token(bytes);
            CPPUNIT_ASSERT_EQUAL(auth::base64url_encode(std::string(bytes, 'x')).size(), n.size());
            CPPUNIT_ASSERT(seen.insert(n).second);
        }
        CPPUNIT_ASSERT_THROW(stream.token(65), auth::CryptoError);
    }

    void base64url_known_values() {
        CPPUNIT_ASSERT_EQUAL(std::string("aGVsbG8"), auth::base64url_encode("hello"));
        CPPUNIT_ASSERT_EQUAL(std::string("-_8"), auth::base64url_encode("\xfb\xff"));
        CPPUNIT_ASSERT_EQUAL(std::string(), auth::base64url_encode(""));
        CPPUNIT_ASSERT_EQUAL(std::string("hello"), *test::base64url_decode("aGVsbG8"));
        CPPUNIT_ASSERT_EQUAL(std::string("\xfb\xff"), *test::base64url_decode("-_8"));
        auto empty = test::base64url_decode("");
        CPPUNIT_ASSERT(empty && empty->empty());
    }

    void base64url_round_trips_every_length() {
        std::string bytes;
        for (int n = 0; n < 80; ++n) {
            std::string encoded = auth::base64url_encode(bytes);
            CPPUNIT_ASSERT_EQUAL(std::string::npos, encoded.find('='));
            auto decoded = test::base64url_decode(encoded);
            CPPUNIT_ASSERT_MESSAGE(encoded, decoded.has_value());
            CPPUNIT_ASSERT_EQUAL(bytes, *decoded);
            bytes += static_cast<char>((n * 97 + 13) & 0xff);  // includes NUL and high bytes
        }
    }

    // The table-lookup encoder (CSRF tokens, nonces) writes what
    // libsodium's does, for every length and every byte value.
    void public_encoding_is_the_same_text() {
        CPPUNIT_ASSERT_EQUAL(std::string("-_8"), auth::base64url_encode_public("\xfb\xff"));
        std::string bytes;
        for (int n = 0; n < 300; ++n) {
            CPPUNIT_ASSERT_EQUAL(auth::base64url_encode(bytes), auth::base64url_encode_public(bytes));
            bytes += static_cast<char>((n * 89 + 7) & 0xff);
        }
        for (int n = 0; n < 200; ++n) {
            std::string random = *test::base64url_decode(auth::random_token(static_cast<std::size_t>(n % 50)));
            CPPUNIT_ASSERT_EQUAL(auth::base64url_encode(random), auth::base64url_encode_public(random));
        }
    }

    void token_digest_is_32_bytes_and_deterministic() {
        std::string token = auth::random_token();
        std::string d = auth::token_digest(token);
        CPPUNIT_ASSERT_EQUAL(std::size_t(32), d.size());
        CPPUNIT_ASSERT_EQUAL(d, auth::token_digest(token));
        CPPUNIT_ASSERT(d != token);
        CPPUNIT_ASSERT_EQUAL(std::string::npos, d.find(token.substr(0, 8)));
    }

    void token_digest_differs_per_token() {
        std::string t = auth::random_token();
        std::string other = t;
        other[42] = other[42] == 'A' ? 'B' : 'A';
        CPPUNIT_ASSERT(auth::token_digest(t) != auth::token_digest(other));
        CPPUNIT_ASSERT(auth::token_digest("") != auth::token_digest(std::string(1, '\0')));
    }

    void mac_depends_on_key_and_message() {
        std::string m = auth::mac("key one", "message");
        CPPUNIT_ASSERT_EQUAL(std::size_t(32), m.size());
        CPPUNIT_ASSERT_EQUAL(m, auth::mac("key one", "message"));
        CPPUNIT_ASSERT(m != auth::mac("key two", "message"));
        CPPUNIT_ASSERT(m != auth::mac("key one", "message."));
        CPPUNIT_ASSERT(m != auth::mac("", "message"));
        // A long key is hashed down, not truncated: keys differing only
        // after byte 64 still give different MACs.
        std::string long_key(100, 'k');
        std::string other_long = long_key;
        other_long[99] = 'x';
        CPPUNIT_ASSERT(auth::mac(long_key, "m") != auth::mac(other_long, "m"));
    }

    // MacKey's MACs are libsodium's one-shot keyed BLAKE2b-256 under
    // BLAKE2b-256(key), for messages of no block, part of one, exactly one
    // and several, and the same when asked again (nothing chained).
    void mac_key_is_keyed_blake2b_of_the_hashed_key() {
        auto bytes = [](const std::string& s) { return reinterpret_cast<const unsigned char*>(s.data()); };
        const std::string key = "the site's SECRET_KEY";
        std::string hashed(crypto_generichash_KEYBYTES, '\0');
        crypto_generichash(reinterpret_cast<unsigned char*>(hashed.data()), hashed.size(), bytes(key), key.size(), nullptr, 0);
        auth::MacKey mac_key(key);
        for (std::size_t n : {0, 1, 115, 127, 128, 129, 300}) {
            std::string message(n, 'm');
            for (std::size_t i = 0; i < n; ++i) message[i] = static_cast<char>('a' + i % 26);
            std::string expected(crypto_generichash_BYTES, '\0');
            crypto_generichash(reinterpret_cast<unsigned char*>(expected.data()), expected.size(), bytes(message), message.size(),
                               bytes(hashed), hashed.size());
            CPPUNIT_ASSERT_EQUAL_MESSAGE(std::to_string(n), expected, mac_key.mac(message));
            CPPUNIT_ASSERT_EQUAL_MESSAGE(std::to_string(n), expected, mac_key.mac(message));
            CPPUNIT_ASSERT_EQUAL_MESSAGE(std::to_string(n), expected, auth::mac(key, message));
        }
    }

    void mac_is_not_the_plain_digest() {
        CPPUNIT_ASSERT(auth::mac("key", "message") != auth::token_digest("message"));
        CPPUNIT_ASSERT(auth::mac("", "message") != auth::token_digest("message"));
    }

    void constant_time_equal_compares_whole_strings() {
        CPPUNIT_ASSERT(auth::constant_time_equal("abcdef", "abcdef"));
        CPPUNIT_ASSERT(auth::constant_time_equal("", ""));
        CPPUNIT_ASSERT(!auth::constant_time_equal("abcdef", "abcdeg"));
        CPPUNIT_ASSERT(!auth::constant_time_equal("abcdef", "bbcdef"));
        CPPUNIT_ASSERT(!auth::constant_time_equal("abcdef", "abcde"));
        CPPUNIT_ASSERT(!auth::constant_time_equal("abc", "abcdef"));
        CPPUNIT_ASSERT(!auth::constant_time_equal("", "a"));
        CPPUNIT_ASSERT(!auth::constant_time_equal(std::string("a\0b", 3), std::string("a\0c", 3)));
    }

    void looks_like_token_checks_length_and_alphabet() {
        std::string t = auth::random_token();
        CPPUNIT_ASSERT(auth::looks_like_token(t));
        CPPUNIT_ASSERT(!auth::looks_like_token(t.substr(0, 42)));
        CPPUNIT_ASSERT(!auth::looks_like_token(t + "A"));
        CPPUNIT_ASSERT(!auth::looks_like_token(""));
        for (char bad : {'+', '/', '=', ' ', '.', '\0', '%'}) {
            std::string b = t;
            b[10] = bad;
            CPPUNIT_ASSERT_MESSAGE(std::string("char ") + bad, !auth::looks_like_token(b));
        }
        CPPUNIT_ASSERT(auth::looks_like_token(std::string(22, '-'), 22));
        CPPUNIT_ASSERT(!auth::looks_like_token(std::string(22, '-')));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(CryptoTest);
