// Tests for validate: UTF-8, control characters, email addresses and the
// local paths accepted in `next` (no open redirects).
#include <cppunit/extensions/HelperMacros.h>

#include <string>

#include "core/validate.hh"

class ValidateTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(ValidateTest);
    CPPUNIT_TEST(valid_utf8_accepts_well_formed_text);
    CPPUNIT_TEST(valid_utf8_refuses_overlongs);
    CPPUNIT_TEST(valid_utf8_refuses_surrogates_and_out_of_range);
    CPPUNIT_TEST(valid_utf8_refuses_truncated_and_stray_bytes);
    CPPUNIT_TEST(code_points_counts_characters);
    CPPUNIT_TEST(has_control_chars_finds_c0_del_c1_and_bidi);
    CPPUNIT_TEST(has_control_chars_passes_plain_unicode);
    CPPUNIT_TEST(normalize_email_lowercases_only_the_domain);
    CPPUNIT_TEST(normalize_email_length_limits);
    CPPUNIT_TEST(normalize_email_needs_exactly_one_at);
    CPPUNIT_TEST(normalize_email_refuses_bad_dots);
    CPPUNIT_TEST(normalize_email_refuses_header_breakers);
    CPPUNIT_TEST(normalize_email_domain_rules);
    CPPUNIT_TEST(ascii_lower_and_trim);
    CPPUNIT_TEST(local_path_accepts_site_paths);
    CPPUNIT_TEST(local_path_refuses_open_redirects);
    CPPUNIT_TEST(local_path_refuses_dot_segments_and_controls);
    CPPUNIT_TEST_SUITE_END();

public:
    void valid_utf8_accepts_well_formed_text() {
        CPPUNIT_ASSERT(auth::valid_utf8(""));
        CPPUNIT_ASSERT(auth::valid_utf8("plain ascii"));
        CPPUNIT_ASSERT(auth::valid_utf8("ünï cødé"));                 // 2-byte
        CPPUNIT_ASSERT(auth::valid_utf8("\xE2\x82\xAC"));             // € 3-byte
        CPPUNIT_ASSERT(auth::valid_utf8("\xF0\x9F\x90\x8E"));         // 🐎 4-byte
        CPPUNIT_ASSERT(auth::valid_utf8("\xF4\x8F\xBF\xBF"));         // U+10FFFF
        CPPUNIT_ASSERT(auth::valid_utf8("\xEF\xBF\xBD"));             // U+FFFD
    }

    void valid_utf8_refuses_overlongs() {
        CPPUNIT_ASSERT(!auth::valid_utf8("\xC0\xAF"));          // '/' in 2 bytes
        CPPUNIT_ASSERT(!auth::valid_utf8("\xC1\xBF"));
        CPPUNIT_ASSERT(!auth::valid_utf8("\xE0\x80\xAF"));      // '/' in 3 bytes
        CPPUNIT_ASSERT(!auth::valid_utf8("\xF0\x80\x80\xAF"));  // '/' in 4 bytes
        CPPUNIT_ASSERT(!auth::valid_utf8("a\xC0\x80z"));        // NUL in 2 bytes
    }

    void valid_utf8_refuses_surrogates_and_out_of_range() {
        CPPUNIT_ASSERT(!auth::valid_utf8("\xED\xA0\x80"));      // U+D800
        CPPUNIT_ASSERT(!auth::valid_utf8("\xED\xBF\xBF"));      // U+DFFF
        CPPUNIT_ASSERT(!auth::valid_utf8("\xF4\x90\x80\x80"));  // U+110000
        CPPUNIT_ASSERT(!auth::valid_utf8("\xF5\x80\x80\x80"));
    }

    void valid_utf8_refuses_truncated_and_stray_bytes() {
        CPPUNIT_ASSERT(!auth::valid_utf8("\xE2\x82"));          // € cut short
        CPPUNIT_ASSERT(!auth::valid_utf8("abc\xF0\x9F\x90"));   // 🐎 cut short at the end
        CPPUNIT_ASSERT(!auth::valid_utf8("\xC3"));
        CPPUNIT_ASSERT(!auth::valid_utf8("\xC3z"));             // lead byte, then not a continuation
        CPPUNIT_ASSERT(!auth::valid_utf8("\x80"));              // lone continuation
        CPPUNIT_ASSERT(!auth::valid_utf8("\xFF"));
        CPPUNIT_ASSERT(!auth::valid_utf8("\xFE"));
        CPPUNIT_ASSERT(!auth::valid_utf8("ok \xFF ok"));
    }

    void code_points_counts_characters() {
        CPPUNIT_ASSERT_EQUAL(std::size_t(0), auth::code_points(""));
        CPPUNIT_ASSERT_EQUAL(std::size_t(3), auth::code_points("abc"));
        CPPUNIT_ASSERT_EQUAL(std::size_t(3), auth::code_points("ünï"));
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), auth::code_points("🐎🐎"));
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), auth::code_points("e\xCC\x81"));  // e + combining acute
    }

    void has_control_chars_finds_c0_del_c1_and_bidi() {
        CPPUNIT_ASSERT(auth::has_control_chars(std::string("a\0b", 3)));
        CPPUNIT_ASSERT(auth::has_control_chars("a\tb"));
        CPPUNIT_ASSERT(auth::has_control_chars("line\r\nBcc: x"));
        CPPUNIT_ASSERT(auth::has_control_chars("\x1b[31mred"));
        CPPUNIT_ASSERT(auth::has_control_chars("del\x7f"));
        CPPUNIT_ASSERT(auth::has_control_chars("c1 \xC2\x85 next line"));     // U+0085
        CPPUNIT_ASSERT(auth::has_control_chars("c1 \xC2\x9F"));               // U+009F
        CPPUNIT_ASSERT(auth::has_control_chars("evil\xE2\x80\xAEtxt.exe"));   // U+202E
        CPPUNIT_ASSERT(auth::has_control_chars("\xE2\x80\xAA"));              // U+202A
        CPPUNIT_ASSERT(auth::has_control_chars("\xE2\x81\xA6isolate"));       // U+2066
        CPPUNIT_ASSERT(auth::has_control_chars("\xE2\x80\xA8"));              // U+2028 line separator
        CPPUNIT_ASSERT(auth::has_control_chars("bad \xC0\xAF utf8"));         // malformed counts as control
    }

    void has_control_chars_passes_plain_unicode() {
        CPPUNIT_ASSERT(!auth::has_control_chars(""));
        CPPUNIT_ASSERT(!auth::has_control_chars("Ada Lovelace"));
        CPPUNIT_ASSERT(!auth::has_control_chars("Zoë Ñúñez 🐎 €"));
        CPPUNIT_ASSERT(!auth::has_control_chars("\xC2\xA0"));  // U+00A0 no-break space is printable
    }

    void normalize_email_lowercases_only_the_domain() {
        CPPUNIT_ASSERT_EQUAL(std::string("Someone@example.com"), *auth::normalize_email("Someone@Example.COM"));
        CPPUNIT_ASSERT_EQUAL(std::string("a.b+tag@sub.example.co.uk"), *auth::normalize_email("a.b+tag@sub.example.co.uk"));
        CPPUNIT_ASSERT_EQUAL(std::string("o'brien@example.ie"), *auth::normalize_email("o'brien@example.ie"));
    }

    void normalize_email_length_limits() {
        std::string domain = std::string(63, 'a') + "." + std::string(63, 'b') + "." + std::string(61, 'c');  // 189
        std::string local64(64, 'l');
        std::string at254 = local64 + "@" + domain;
        CPPUNIT_ASSERT_EQUAL(std::size_t(254), at254.size());
        CPPUNIT_ASSERT(auth::normalize_email(at254));
        CPPUNIT_ASSERT(!auth::normalize_email(local64 + "@" + domain + "c"));             // 255 octets
        CPPUNIT_ASSERT(!auth::normalize_email(std::string(65, 'l') + "@example.com"));      // local part of 65
        CPPUNIT_ASSERT(auth::normalize_email(local64 + "@example.com"));
        CPPUNIT_ASSERT(!auth::normalize_email("a@" + std::string(64, 'd') + ".com"));       // label of 64
        CPPUNIT_ASSERT(!auth::normalize_email(""));
    }

    void normalize_email_needs_exactly_one_at() {
        for (const char* bad : {"plainaddress", "a@b@example.com", "@example.com", "someone@", "@", "a@@example.com"})
            CPPUNIT_ASSERT_MESSAGE(bad, !auth::normalize_email(bad));
    }

    void normalize_email_refuses_bad_dots() {
        for (const char* bad : {".a@example.com", "a.@example.com", "a..b@example.com", "a@.example.com", "a@example.com.",
                                "a@example..com"})
            CPPUNIT_ASSERT_MESSAGE(bad, !auth::normalize_email(bad));
    }

    void normalize_email_refuses_header_breakers() {
        for (const std::string& bad :
             {std::string("a b@example.com"), std::string(" a@example.com"), std::string("a@example.com "),
              std::string("a@example.com\r\nBcc: victim@example.org"), std::string("a@example.com\n"),
              std::string("a\0b@example.com", 15), std::string("\"a\"@example.com"), std::string("a\"b@example.com"),
              std::string("<a@example.com>"), std::string("a,b@example.com"), std::string("a;b@example.com"),
              std::string("a\\b@example.com"), std::string("a(b)@example.com"), std::string("zoë@example.com")})
            CPPUNIT_ASSERT_MESSAGE(bad, !auth::normalize_email(bad));
    }

    void normalize_email_domain_rules() {
        for (const char* bad : {"a@localhost", "a@-example.com", "a@example-.com", "a@ex_ample.com", "a@exämple.com",
                                "a@example.com:25", "a@[127.0.0.1]", "a@example.com/x"})
            CPPUNIT_ASSERT_MESSAGE(bad, !auth::normalize_email(bad));
        CPPUNIT_ASSERT(auth::normalize_email("a@xn--exmple-cua.com"));  // punycode is plain ASCII
        CPPUNIT_ASSERT(auth::normalize_email("a@my-host.example"));
        CPPUNIT_ASSERT(auth::normalize_email("a@x.test"));
    }

    void ascii_lower_and_trim() {
        CPPUNIT_ASSERT_EQUAL(std::string("a@x.test ü"), auth::ascii_lower("A@X.TEST ü"));
        CPPUNIT_ASSERT_EQUAL(std::string("Ü"), auth::ascii_lower("Ü"));  // ASCII only
        CPPUNIT_ASSERT_EQUAL(std::string("a b"), auth::trim(" \t\r\na b \n"));
        CPPUNIT_ASSERT_EQUAL(std::string(), auth::trim("  \t "));
        CPPUNIT_ASSERT_EQUAL(std::string("x"), auth::trim("x"));
    }

    void local_path_accepts_site_paths() {
        for (const char* ok : {"/", "/profile", "/profile?x=1", "/profile/password", "/a-b_c~d.e", "/profile?tab=a&b=%2F",
                               "/login?next=%2Fprofile"}) {
            auto p = auth::local_path(ok);
            CPPUNIT_ASSERT_MESSAGE(ok, p.has_value());
            CPPUNIT_ASSERT_EQUAL(std::string(ok), *p);
        }
    }

    void local_path_refuses_open_redirects() {
        // Open redirects: only a path on this site is a `next`.
        for (const char* bad : {"https://evil.example", "http://evil.example/profile", "//evil.example", "///evil.example",
                                "/\\evil.example", "\\/\\/evil", "\\\\evil.example", "https:evil.example",
                                "javascript:alert(1)", "%2F%2Fevil.example", "/%2F/evil.example", "/%09/evil.example",
                                "@evil.example", "evil.example", "profile", "/profile#@evil.example", "",
                                "http://127.0.0.1:8080.evil.example/"})
            CPPUNIT_ASSERT_MESSAGE(bad, !auth::local_path(bad));
    }

    void local_path_refuses_dot_segments_and_controls() {
        for (const std::string& bad :
             {std::string("/.."), std::string("/../etc/passwd"), std::string("/a/../b"), std::string("/a/./b"),
              std::string("/%2e%2e/admin"), std::string("/profile\r\nSet-Cookie: sid=x"), std::string("/profile\n"),
              std::string("/profile\t"), std::string("/pro file"), std::string("/profile\0", 9), std::string("/prof\xC3\xBCle"),
              std::string("/<script>"), std::string("/profile\"onmouseover=x"), std::string("/" + std::string(600, 'a'))})
            CPPUNIT_ASSERT_MESSAGE(bad, !auth::local_path(bad));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(ValidateTest);
