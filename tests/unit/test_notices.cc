// Tests for auth::Notices: each notice goes to the given address
// through the outbox, says what happened, when (UTC) and from which client
// address, escapes what a person typed, and never carries a password or a
// token.
#include <cppunit/extensions/HelperMacros.h>

#include "account/notices.hh"
#include "support.hh"

using test::contains;

namespace {

using auth::Notice;

// The notices as the account service makes them.
auth::Notices notices_of(test::TestApp& t) {
    const auth::Config& c = t.app->config();
    return auth::Notices(t.app->composer, t.app->outbox, *t.clock, c.base_url, c.url("/reset"));
}

class NoticesTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(NoticesTest);
    CPPUNIT_TEST(each_notice_says_what_when_and_from_where);
    CPPUNIT_TEST(email_notices_name_the_new_address);
    CPPUNIT_TEST(notice_goes_through_the_outbox);
    CPPUNIT_TEST(names_are_escaped_in_html);
    CPPUNIT_TEST(refuses_a_recipient_with_a_line_break);
    CPPUNIT_TEST_SUITE_END();

    static std::string subject_of(const std::string& mail) {
        auto p = mail.find("Subject: ");
        return mail.substr(p + 9, mail.find("\r\n", p) - p - 9);
    }

public:
    void each_notice_says_what_when_and_from_where() {
        test::TestApp t;
        t.clock->set(1'800'000'000);  // 2027-01-15 08:00 UTC
        const auth::NoticeDetails d{"ada@example.test", "Ada Lovelace", "203.0.113.7", ""};
        struct Case {
            Notice what;
            const char* subject;
            const char* says;
        };
        for (const Case& c : {Case{Notice::PasswordChanged, "Your password was changed", "was changed"},
                              Case{Notice::PasswordReset, "Your password was reset", "reset link"}}) {
            std::string raw = notices_of(t).message(c.what, d);
            std::string mail = test::mail_decoded(raw);
            CPPUNIT_ASSERT_EQUAL(std::string(c.subject) + " - sessionauth", subject_of(raw));
            CPPUNIT_ASSERT(contains(mail, "To: ada@example.test"));
            CPPUNIT_ASSERT(contains(mail, "From: \"sessionauth\" <noreply@sessionauth.test>"));
            CPPUNIT_ASSERT(contains(mail, "Hello Ada Lovelace"));
            CPPUNIT_ASSERT(contains(mail, c.says));
            CPPUNIT_ASSERT(contains(mail, "When: 2027-01-15 08:00 UTC"));
            CPPUNIT_ASSERT(contains(mail, "From the address: 203.0.113.7"));
            CPPUNIT_ASSERT(contains(mail, "http://127.0.0.1:8080/reset"));
            CPPUNIT_ASSERT(!contains(mail, "token="));
        }
    }

    void email_notices_name_the_new_address() {
        test::TestApp t;
        const auth::NoticeDetails d{"ada@old.example", "Ada", "198.51.100.2", "ada@new.example"};
        std::string asked = test::mail_decoded(notices_of(t).message(Notice::EmailChangeRequested, d));
        CPPUNIT_ASSERT(contains(asked, "To: ada@old.example"));
        CPPUNIT_ASSERT(contains(asked, "to ada@new.example"));
        CPPUNIT_ASSERT(contains(asked, "Nothing changes unless the link"));
        CPPUNIT_ASSERT(contains(asked, "From the address: 198.51.100.2"));
        std::string done = test::mail_decoded(notices_of(t).message(Notice::EmailChanged, d));
        CPPUNIT_ASSERT(contains(done, "To: ada@old.example"));
        CPPUNIT_ASSERT(contains(done, "was changed to ada@new.example"));
        // The old address can no longer reset the password: no link to do so.
        CPPUNIT_ASSERT(!contains(done, "/reset"));
    }

    void notice_goes_through_the_outbox() {
        test::TestApp t;
        notices_of(t).queue(Notice::PasswordChanged, {"ada@example.test", "Ada", "127.0.0.1", ""});
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), test::queued_mails(*t.app));
        CPPUNIT_ASSERT(t.mailer->sent.empty());
        CPPUNIT_ASSERT_EQUAL(1, t.app->outbox.deliver_due(*t.mailer));
        CPPUNIT_ASSERT_EQUAL(std::string("ada@example.test"), t.mailer->sent.at(0).to);
        CPPUNIT_ASSERT_EQUAL(std::string("Your password was changed - sessionauth"), subject_of(t.mailer->sent.at(0).message));
    }

    void names_are_escaped_in_html() {
        test::TestApp t;
        std::string mail = test::mail_decoded(
            notices_of(t).message(Notice::PasswordChanged, {"ada@example.test", "<script>x</script>", "::1", ""}));
        auto html = mail.find("text/html");
        CPPUNIT_ASSERT(html != std::string::npos);
        CPPUNIT_ASSERT(!contains(mail.substr(html), "<script>"));
        CPPUNIT_ASSERT(contains(mail.substr(html), "Hello &lt;script&gt;x&lt;/script&gt;"));
    }

    void refuses_a_recipient_with_a_line_break() {
        test::TestApp t;
        CPPUNIT_ASSERT_THROW(
            notices_of(t).queue(Notice::PasswordChanged, {"ada@example.test\r\nBcc: x@evil.test", "Ada", "::1", ""}),
            auth::MailError);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), test::queued_mails(*t.app));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(NoticesTest);

}  // namespace
