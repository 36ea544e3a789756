// Tests for password_policy: length in code points (min configurable, max
// 128 and 1024 bytes), no control characters, no common or guessable
// passwords, nothing of the person's own email or name (ASVS 2.1, NIST 800-63B).
#include <cppunit/extensions/HelperMacros.h>
#include <sodium.h>

#include <optional>
#include <stdexcept>
#include <string>

#include "account/password_policy.hh"
#include "support.hh"

namespace {

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::string list_path() { return test::source_dir() + "/data/common-passwords.txt"; }

const auth::PasswordPolicy& policy12() {
    static const auth::PasswordPolicy p(12, list_path());
    return p;
}

std::optional<std::string> problem(const std::string& password, const std::string& email = "someone@example.com",
                                   const std::string& name = "Sam Someone") {
    return policy12().problem(password, email, name);
}

// Fifteen different emoji (4 bytes each), not a run of code points.
const char* const kFifteenEmoji = "🐎🦊🐙🌵🍋🚲🦉🎻🧭🪁🌙🍄🐝🎈🧩";

const std::string kTooCommon = "too common";
const std::string kPersonal = "email address or name";

}  // namespace

class PasswordPolicyTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(PasswordPolicyTest);
    CPPUNIT_TEST(good_passphrases_are_accepted);
    CPPUNIT_TEST(random_lowercase_letters_are_accepted);
    CPPUNIT_TEST(minimum_length_counts_code_points_not_bytes);
    CPPUNIT_TEST(minimum_length_is_configurable);
    CPPUNIT_TEST(at_most_128_code_points);
    CPPUNIT_TEST(at_most_1024_bytes_before_decoding);
    CPPUNIT_TEST(control_characters_are_refused);
    CPPUNIT_TEST(invalid_utf8_is_refused);
    CPPUNIT_TEST(common_passwords_are_refused_in_any_case);
    CPPUNIT_TEST(common_password_with_digits_around_is_refused);
    CPPUNIT_TEST(doubled_common_password_is_refused);
    CPPUNIT_TEST(repeated_character_is_refused);
    CPPUNIT_TEST(plain_runs_are_refused);
    CPPUNIT_TEST(short_repeated_patterns_are_refused);
    CPPUNIT_TEST(keyboard_walks_are_refused);
    CPPUNIT_TEST(site_name_is_refused);
    CPPUNIT_TEST(own_email_is_refused);
    CPPUNIT_TEST(own_email_local_part_is_refused);
    CPPUNIT_TEST(own_name_is_refused);
    CPPUNIT_TEST(short_local_parts_and_names_are_not_matched);
    CPPUNIT_TEST(missing_list_is_an_error);
    CPPUNIT_TEST_SUITE_END();

public:
    void good_passphrases_are_accepted() {
        for (const std::string& pw : {std::string(test::kGoodPassword), std::string("  ünï cødé 🐎 pass phrase "),
                                     std::string("Tr0ub4dor&3 plus a bit more"), std::string(kFifteenEmoji)}) {
            auto p = problem(pw);
            CPPUNIT_ASSERT_MESSAGE(pw + ": " + p.value_or(""), !p);
        }
    }

    void random_lowercase_letters_are_accepted() {
        // ASVS 2.1.9: no composition rules.
        for (int round = 0; round < 20; ++round) {
            std::string pw;
            for (int i = 0; i < 15; ++i) pw += static_cast<char>('a' + randombytes_uniform(26));
            auto p = problem(pw);
            CPPUNIT_ASSERT_MESSAGE(pw + ": " + p.value_or(""), !p);
        }
    }

    void minimum_length_counts_code_points_not_bytes() {
        auto p = problem("tiger lamps");  // 11 ASCII characters
        CPPUNIT_ASSERT(p);
        CPPUNIT_ASSERT_MESSAGE(*p, has(*p, "at least 12"));
        CPPUNIT_ASSERT(!problem("tiger lamps!"));  // 12

        std::string eleven_emoji = std::string(kFifteenEmoji).substr(0, 11 * 4);  // 44 bytes
        p = problem(eleven_emoji);
        CPPUNIT_ASSERT_MESSAGE(eleven_emoji, p && has(*p, "at least"));
        CPPUNIT_ASSERT(!problem(kFifteenEmoji));
    }

    void minimum_length_is_configurable() {
        auth::PasswordPolicy p15(15, list_path());
        CPPUNIT_ASSERT_EQUAL(std::size_t(15), p15.min_length());
        std::string fourteen = std::string(kFifteenEmoji).substr(0, 14 * 4);
        auto p = p15.problem(fourteen, "", "");
        CPPUNIT_ASSERT(p && has(*p, "at least 15"));
        CPPUNIT_ASSERT(!p15.problem(kFifteenEmoji, "", ""));
        CPPUNIT_ASSERT(p15.problem("tiger lamps!xy", "", ""));  // 14
        CPPUNIT_ASSERT(!p15.problem("tiger lamps!xyz", "", ""));
    }

    void at_most_128_code_points() {
        std::string base = "correct horse battery staple, ";  // 30
        std::string pw128;
        while (pw128.size() < 128) pw128 += base;
        pw128.resize(128);
        CPPUNIT_ASSERT_MESSAGE(problem(pw128).value_or(""), !problem(pw128));
        auto p = problem(pw128 + "x");
        CPPUNIT_ASSERT(p);
        CPPUNIT_ASSERT_MESSAGE(*p, has(*p, "at most 128"));

        std::string emoji128;
        for (int i = 0; i < 128; ++i) emoji128 += std::string(kFifteenEmoji).substr((i % 15) * 4, 4);
        CPPUNIT_ASSERT_EQUAL(std::size_t(512), emoji128.size());
        CPPUNIT_ASSERT_MESSAGE(problem(emoji128).value_or(""), !problem(emoji128));
        CPPUNIT_ASSERT(problem(emoji128 + "🐎"));
    }

    void at_most_1024_bytes_before_decoding() {
        auto p = problem(std::string(1025, 'a'));
        CPPUNIT_ASSERT(p && has(*p, "at most"));
        // 1025 continuation bytes: no code points at all, but too many bytes.
        p = problem(std::string(1025, '\x80'));
        CPPUNIT_ASSERT(p && has(*p, "at most"));
        p = problem(std::string(1000000, 'a'));
        CPPUNIT_ASSERT(p && has(*p, "at most"));
    }

    void control_characters_are_refused() {
        for (const std::string& pw : {std::string("correct horse\tbattery"), std::string("correct horse\nbattery"),
                                     std::string("correct horse\x01 battery"), std::string("correct horse\x7f battery"),
                                     std::string("correct horse \xC2\x85 battery"),     // U+0085, C1
                                     std::string("correct horse \xE2\x80\xAE battery")}) {  // U+202E
            auto p = problem(pw);
            CPPUNIT_ASSERT_MESSAGE(pw, p.has_value());
            CPPUNIT_ASSERT_MESSAGE(*p, has(*p, "control characters"));
        }
        auto p = problem(std::string("correct horse\0battery", 21));
        CPPUNIT_ASSERT(p && has(*p, "control characters"));
    }

    void invalid_utf8_is_refused() {
        for (const std::string& pw : {std::string("correct horse \xC0\xAF battery"), std::string("correct horse \xED\xA0\x80 battery"),
                                     std::string("correct horse \xFF battery"), std::string("correct horse battery \xE2\x82")}) {
            auto p = problem(pw);
            CPPUNIT_ASSERT(p);
            CPPUNIT_ASSERT_MESSAGE(*p, has(*p, "not valid text"));
        }
    }

    void common_passwords_are_refused_in_any_case() {
        for (const char* pw : {"winniethepooh", "WinnieThePooh", "qwertyuiop12", "harrypotter1", "Qwerty123456"}) {
            auto p = problem(pw);
            CPPUNIT_ASSERT_MESSAGE(pw, p.has_value());
            CPPUNIT_ASSERT_MESSAGE(*p, has(*p, kTooCommon));
        }
    }

    void common_password_with_digits_around_is_refused() {
        // "iloveyou" and "password" are on the list; digits around them do not help.
        for (const char* pw : {"iloveyou1234", "1234iloveyou", "password1234", "2024password2024", "Sunshine2024"}) {
            auto p = problem(pw);
            CPPUNIT_ASSERT_MESSAGE(pw, p.has_value());
            CPPUNIT_ASSERT_MESSAGE(*p, has(*p, kTooCommon));
        }
    }

    void doubled_common_password_is_refused() {
        for (const char* pw : {"passwordpassword", "iloveyouiloveyou", "PasswordPassword", "monkey12monkey12"}) {
            auto p = problem(pw);
            CPPUNIT_ASSERT_MESSAGE(pw, p.has_value());
            CPPUNIT_ASSERT_MESSAGE(*p, has(*p, kTooCommon));
        }
    }

    void repeated_character_is_refused() {
        for (const std::string& pw : {std::string(12, 'a'), std::string(20, '1'), std::string(16, ' '), std::string("🐎🐎🐎🐎🐎🐎🐎🐎🐎🐎🐎🐎")}) {
            auto p = problem(pw);
            CPPUNIT_ASSERT_MESSAGE(pw, p.has_value());
            CPPUNIT_ASSERT_MESSAGE(*p, has(*p, kTooCommon));
        }
    }

    void plain_runs_are_refused() {
        for (const char* pw : {"123456789012", "123456789012345", "987654321098", "abcdefghijkl", "ABCDEFGHIJKLMNOP",
                               "zyxwvutsrqpo"}) {
            auto p = problem(pw);
            CPPUNIT_ASSERT_MESSAGE(pw, p.has_value());
            CPPUNIT_ASSERT_MESSAGE(*p, has(*p, kTooCommon));
        }
    }

    void short_repeated_patterns_are_refused() {
        for (const char* pw : {"abababababab", "abcabcabcabc", "abcdabcdabcd", "ab12ab12ab12", "12121212121212", "xyz xyz xyz xyz "}) {
            auto p = problem(pw);
            CPPUNIT_ASSERT_MESSAGE(pw, p.has_value());
            CPPUNIT_ASSERT_MESSAGE(*p, has(*p, kTooCommon));
        }
    }

    void keyboard_walks_are_refused() {
        for (const char* pw : {"qwertyuiopas", "asdfghjklzxc", "1qaz2wsx3edc", "lkjhgfdsapoi", "qwertzuiopas", "azertyuiopqs",
                               "asdfghjkl123", "qwerty uiop asdf"}) {
            auto p = problem(pw);
            CPPUNIT_ASSERT_MESSAGE(pw, p.has_value());
            CPPUNIT_ASSERT_MESSAGE(*p, has(*p, kTooCommon));
        }
    }

    void site_name_is_refused() {
        for (const char* pw : {"sessionauth2024", "SessionAuth12345"}) {
            auto p = problem(pw);
            CPPUNIT_ASSERT_MESSAGE(pw, p && has(*p, kTooCommon));
        }
    }

    void own_email_is_refused() {
        auto p = policy12().problem("jane.doe@example.com", "jane.doe@example.com", "Jane Doe");
        CPPUNIT_ASSERT(p && has(*p, kPersonal));
        p = policy12().problem("my JANE.DOE@EXAMPLE.COM!", "jane.doe@example.com", "");
        CPPUNIT_ASSERT(p && has(*p, kPersonal));
    }

    void own_email_local_part_is_refused() {
        auto p = policy12().problem("janedoe rules forever", "jane.doe@example.com", "");
        CPPUNIT_ASSERT_MESSAGE(p.value_or(""), p && has(*p, kPersonal));
        p = policy12().problem("x-Jane_Doe-x 2024", "jane.doe@example.com", "");
        CPPUNIT_ASSERT_MESSAGE(p.value_or(""), p && has(*p, kPersonal));
    }

    void own_name_is_refused() {
        auto p = policy12().problem("Margaret Hamilton 1969", "mh@example.com", "Margaret Hamilton");
        CPPUNIT_ASSERT_MESSAGE(p.value_or(""), p && has(*p, kPersonal));
        p = policy12().problem("margarethamilton", "mh@example.com", "Margaret Hamilton");
        CPPUNIT_ASSERT_MESSAGE(p.value_or(""), p && has(*p, kPersonal));
    }

    void short_local_parts_and_names_are_not_matched() {
        // "al" and "Bo" are too short to judge: common letters, not personal.
        CPPUNIT_ASSERT(!policy12().problem("always a valid phrase", "al@example.com", "Bo"));
        CPPUNIT_ASSERT(!policy12().problem("bold tiger lamps", "al@example.com", "Bo"));
    }

    void missing_list_is_an_error() {
        test::TempDir dir;
        CPPUNIT_ASSERT_THROW(auth::PasswordPolicy(12, dir.file("no-such-list.txt")), std::runtime_error);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(PasswordPolicyTest);
