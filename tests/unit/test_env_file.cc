// Tests for env_file: the python-dotenv syntax a FastAPI .env is written in.
#include <cppunit/extensions/HelperMacros.h>

#include <fstream>
#include <map>
#include <string>

#include "core/env_file.hh"
#include "support.hh"

namespace {

using Env = std::map<std::string, std::string>;

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// The message of the EnvFileError that parsing `text` throws ("" if none).
std::string parse_error(const std::string& text) {
    try {
        auth::parse_env_file(text);
    } catch (const auth::EnvFileError& e) {
        return e.what();
    }
    return "";
}

}  // namespace

class EnvFileTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(EnvFileTest);
    CPPUNIT_TEST(plain_key_value_lines);
    CPPUNIT_TEST(spaces_around_equals_and_value_are_trimmed);
    CPPUNIT_TEST(export_prefix_is_ignored);
    CPPUNIT_TEST(blank_lines_and_comment_lines_are_skipped);
    CPPUNIT_TEST(space_hash_starts_an_inline_comment_on_unquoted_values);
    CPPUNIT_TEST(hash_glued_to_a_value_is_part_of_it);
    CPPUNIT_TEST(value_starting_with_hash_is_kept_as_python_dotenv_does);
    CPPUNIT_TEST(empty_values);
    CPPUNIT_TEST(single_quotes_are_literal);
    CPPUNIT_TEST(single_quotes_allow_escaped_quote);
    CPPUNIT_TEST(double_quotes_decode_escapes);
    CPPUNIT_TEST(double_quotes_may_span_lines);
    CPPUNIT_TEST(hash_inside_quotes_is_not_a_comment);
    CPPUNIT_TEST(later_assignment_wins);
    CPPUNIT_TEST(byte_order_mark_is_skipped);
    CPPUNIT_TEST(crlf_line_endings);
    CPPUNIT_TEST(line_without_equals_is_an_error_naming_the_line);
    CPPUNIT_TEST(missing_key_is_an_error_naming_the_line);
    CPPUNIT_TEST(text_after_a_quoted_value_is_an_error);
    CPPUNIT_TEST(unterminated_quote_names_the_line_where_it_opened);
    CPPUNIT_TEST(read_env_file_reads_a_file);
    CPPUNIT_TEST(read_env_file_errors_name_the_path);
    CPPUNIT_TEST_SUITE_END();

public:
    void plain_key_value_lines() {
        Env env = auth::parse_env_file("SECRET_KEY=abc123\nMAIL_PORT=587\nBASE_URL=https://example.com/auth\n");
        CPPUNIT_ASSERT_EQUAL(std::size_t(3), env.size());
        CPPUNIT_ASSERT_EQUAL(std::string("abc123"), env["SECRET_KEY"]);
        CPPUNIT_ASSERT_EQUAL(std::string("587"), env["MAIL_PORT"]);
        CPPUNIT_ASSERT_EQUAL(std::string("https://example.com/auth"), env["BASE_URL"]);
    }

    void spaces_around_equals_and_value_are_trimmed() {
        Env env = auth::parse_env_file("  A = two words  \nB\t=\tx\n");
        CPPUNIT_ASSERT_EQUAL(std::string("two words"), env["A"]);
        CPPUNIT_ASSERT_EQUAL(std::string("x"), env["B"]);
    }

    void export_prefix_is_ignored() {
        Env env = auth::parse_env_file("export MAIL_SERVER=smtp.example.com\nexport   MAIL_PORT=25\n");
        CPPUNIT_ASSERT_EQUAL(std::string("smtp.example.com"), env["MAIL_SERVER"]);
        CPPUNIT_ASSERT_EQUAL(std::string("25"), env["MAIL_PORT"]);
        CPPUNIT_ASSERT(!env.count("export"));
    }

    void blank_lines_and_comment_lines_are_skipped() {
        Env env = auth::parse_env_file("\n# a comment\n   \n\t# indented comment = not a key\nA=1\n\n");
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), env.size());
        CPPUNIT_ASSERT_EQUAL(std::string("1"), env["A"]);
    }

    void space_hash_starts_an_inline_comment_on_unquoted_values() {
        Env env = auth::parse_env_file("A=value # the comment\nB=tabbed\t# comment\n");
        CPPUNIT_ASSERT_EQUAL(std::string("value"), env["A"]);
        CPPUNIT_ASSERT_EQUAL(std::string("tabbed"), env["B"]);
    }

    void hash_glued_to_a_value_is_part_of_it() {
        Env env = auth::parse_env_file("MAIL_PASSWORD=pa#ss#word\n");
        CPPUNIT_ASSERT_EQUAL(std::string("pa#ss#word"), env["MAIL_PASSWORD"]);
    }

    void value_starting_with_hash_is_kept_as_python_dotenv_does() {
        // python-dotenv eats the blanks after '=' first, so "B= # x" is "# x".
        Env env = auth::parse_env_file("A=#not-a-comment\nB= # kept too\nC=\t#tab\n");
        CPPUNIT_ASSERT_EQUAL(std::string("#not-a-comment"), env["A"]);
        CPPUNIT_ASSERT_EQUAL(std::string("# kept too"), env["B"]);
        CPPUNIT_ASSERT_EQUAL(std::string("#tab"), env["C"]);
    }

    void empty_values() {
        Env env = auth::parse_env_file("A=\nB=   \nC=''\nD=\"\"");
        CPPUNIT_ASSERT_EQUAL(std::size_t(4), env.size());
        for (const char* key : {"A", "B", "C", "D"}) CPPUNIT_ASSERT_EQUAL(std::string(), env[key]);
    }

    void single_quotes_are_literal() {
        Env env = auth::parse_env_file("A='x \\n $HOME # not a comment \"q\"'\n");
        CPPUNIT_ASSERT_EQUAL(std::string("x \\n $HOME # not a comment \"q\""), env["A"]);
    }

    void single_quotes_allow_escaped_quote() {
        Env env = auth::parse_env_file("A='it\\'s'\n");
        CPPUNIT_ASSERT_EQUAL(std::string("it's"), env["A"]);
    }

    void double_quotes_decode_escapes() {
        Env env = auth::parse_env_file("A=\"tab\\tnew\\nquote\\\" backslash\\\\ other\\x\"\n");
        CPPUNIT_ASSERT_EQUAL(std::string("tab\tnew\nquote\" backslash\\ other\\x"), env["A"]);
    }

    void double_quotes_may_span_lines() {
        Env env = auth::parse_env_file("A=\"first\nsecond\"\nB=after\n");
        CPPUNIT_ASSERT_EQUAL(std::string("first\nsecond"), env["A"]);
        CPPUNIT_ASSERT_EQUAL(std::string("after"), env["B"]);
    }

    void hash_inside_quotes_is_not_a_comment() {
        Env env = auth::parse_env_file("A=\"a # b\" # real comment\nB='c # d'\n");
        CPPUNIT_ASSERT_EQUAL(std::string("a # b"), env["A"]);
        CPPUNIT_ASSERT_EQUAL(std::string("c # d"), env["B"]);
    }

    void later_assignment_wins() {
        Env env = auth::parse_env_file("A=1\nA=2\n");
        CPPUNIT_ASSERT_EQUAL(std::string("2"), env["A"]);
    }

    void byte_order_mark_is_skipped() {
        Env env = auth::parse_env_file("\xEF\xBB\xBFSECRET_KEY=x\n");
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), env.size());
        CPPUNIT_ASSERT_EQUAL(std::string("x"), env["SECRET_KEY"]);
    }

    void crlf_line_endings() {
        // A file saved on Windows, with a blank line and a comment.
        Env env = auth::parse_env_file("A=1\r\n\r\n# comment\r\nB='two'\r\nC=3 # c\r\n");
        CPPUNIT_ASSERT_EQUAL(std::size_t(3), env.size());
        CPPUNIT_ASSERT_EQUAL(std::string("1"), env["A"]);
        CPPUNIT_ASSERT_EQUAL(std::string("two"), env["B"]);
        CPPUNIT_ASSERT_EQUAL(std::string("3"), env["C"]);
    }

    void line_without_equals_is_an_error_naming_the_line() {
        std::string msg = parse_error("A=1\n# comment\nnot a pair\nB=2\n");
        CPPUNIT_ASSERT_MESSAGE(msg, has(msg, "line 3"));
    }

    void missing_key_is_an_error_naming_the_line() {
        std::string msg = parse_error("A=1\n=value\n");
        CPPUNIT_ASSERT_MESSAGE(msg, has(msg, "line 2"));
    }

    void text_after_a_quoted_value_is_an_error() {
        std::string msg = parse_error("A=\"x\" y\n");
        CPPUNIT_ASSERT_MESSAGE(msg, has(msg, "line 1"));
        CPPUNIT_ASSERT_MESSAGE(msg, has(msg, "A"));
    }

    void unterminated_quote_names_the_line_where_it_opened() {
        std::string msg = parse_error("A=1\nB=\"never closed\nC=3\nD=4\n");
        CPPUNIT_ASSERT_MESSAGE(msg, has(msg, "line 2"));
        CPPUNIT_ASSERT_MESSAGE(msg, has(msg, "unterminated"));
        msg = parse_error("A='open");
        CPPUNIT_ASSERT_MESSAGE(msg, has(msg, "line 1"));
    }

    void read_env_file_reads_a_file() {
        test::TempDir dir;
        std::ofstream(dir.file(".env")) << "# settings\nMAIL_SERVER=smtp.example.com\n";
        Env env = auth::read_env_file(dir.file(".env"));
        CPPUNIT_ASSERT_EQUAL(std::string("smtp.example.com"), env["MAIL_SERVER"]);
    }

    void read_env_file_errors_name_the_path() {
        test::TempDir dir;
        std::string msg;
        try {
            auth::read_env_file(dir.file("missing.env"));
        } catch (const auth::EnvFileError& e) {
            msg = e.what();
        }
        CPPUNIT_ASSERT_MESSAGE(msg, has(msg, "missing.env"));

        std::ofstream(dir.file("bad.env")) << "A=1\nB\n";
        msg.clear();
        try {
            auth::read_env_file(dir.file("bad.env"));
        } catch (const auth::EnvFileError& e) {
            msg = e.what();
        }
        CPPUNIT_ASSERT_MESSAGE(msg, has(msg, "bad.env") && has(msg, "line 2"));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(EnvFileTest);
