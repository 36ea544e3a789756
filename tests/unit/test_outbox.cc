// Tests for auth::Outbox and one delivery run: messages stored encrypted,
// delivered and deleted, failures kept with their error and retried with a
// growing, capped backoff, expired messages dropped with a log line, a
// changed SECRET_KEY that cannot open old messages; links before notices,
// recipients in turn, MAIL_MAX_PER_HOUR; one run at a time, and a run
// killed mid-send that loses nothing; and the starting of a run after a
// response (a fresh process in a session of its own, with only our keys).
#include <cppunit/extensions/HelperMacros.h>

#include <fstream>
#include <iterator>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <thread>

#include "mail/delivery.hh"
#include "mail/outbox.hh"
#include "store/sqlite/db.hh"
#include "web/serve.hh"
#include "support.hh"

using test::contains;

namespace {

std::string file_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

const char* const kFrom = "noreply@sessionauth.test";
const char* const kTo = "ada@example.test";
const char* const kLink = "https://auth.example.test/reset/confirm?token=SecretLinkToken0123456789abcdefghijklmnopq";

std::string message(const std::string& extra = "") {
    return std::string("From: ") + kFrom + "\r\nTo: " + kTo + "\r\nSubject: Reset your password\r\n\r\nOpen " + kLink +
           extra + "\r\n";
}

struct Row {
    std::int64_t id = 0, attempts = 0, next_attempt_at = 0, claimed_until = 0, expires_at = 0;
    std::string last_error;
};

std::vector<Row> rows(auth::App& app) {
    std::vector<Row> out;
    auto q = test::db(app).query(
        "SELECT id, attempts, next_attempt_at, claimed_until, expires_at, last_error FROM outbox ORDER BY id");
    while (q.step()) out.push_back(Row{q.int64(0), q.int64(1), q.int64(2), q.int64(3), q.int64(4), q.text(5)});
    return out;
}

class OutboxTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(OutboxTest);
    CPPUNIT_TEST(empty_outbox);
    CPPUNIT_TEST(enqueue_stores_only_ciphertext);
    CPPUNIT_TEST(same_message_twice_gives_different_ciphertext);
    CPPUNIT_TEST(deliver_due_sends_and_deletes);
    CPPUNIT_TEST(deliver_due_respects_max);
    CPPUNIT_TEST(failed_delivery_stays_with_its_error);
    CPPUNIT_TEST(failed_delivery_is_not_retried_before_backoff);
    CPPUNIT_TEST(repeated_failures_back_off_further);
    CPPUNIT_TEST(failure_loses_no_other_message);
    CPPUNIT_TEST(failure_log_line_has_no_content);
    CPPUNIT_TEST(backoff_grows_and_caps);
    CPPUNIT_TEST(expired_message_is_dropped_with_a_log_line);
    CPPUNIT_TEST(message_is_sent_until_its_expiry);
    CPPUNIT_TEST(claimed_message_is_left_to_its_claimer);
    CPPUNIT_TEST(other_secret_key_cannot_open_the_message);
    CPPUNIT_TEST(links_go_before_notices);
    CPPUNIT_TEST(a_flooded_address_goes_after_the_others);
    CPPUNIT_TEST(an_address_gets_at_most_its_hourly_share);
    CPPUNIT_TEST(requests_for_links_do_not_use_up_the_notices);
    CPPUNIT_TEST(a_refused_recipient_does_not_stop_the_others);
    CPPUNIT_TEST(a_server_failure_puts_the_rest_back_uncounted);
    CPPUNIT_TEST(a_run_killed_mid_send_loses_nothing_and_sends_once);
    CPPUNIT_TEST(one_run_at_a_time);
    CPPUNIT_TEST(a_run_waits_for_a_retry_due_soon);
    CPPUNIT_TEST(a_run_takes_mail_queued_while_it_works);
    CPPUNIT_TEST(after_response_starts_a_detached_run_with_our_keys_only);
    CPPUNIT_TEST(cron_mode_starts_nothing);
    CPPUNIT_TEST_SUITE_END();

public:
    void empty_outbox() {
        test::TestApp t;
        CPPUNIT_ASSERT(!t.app->outbox.has_due());
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), test::queued_mails(*t.app));
        CPPUNIT_ASSERT_EQUAL(0, t.app->outbox.deliver_due(*t.mailer));
        CPPUNIT_ASSERT(t.mailer->sent.empty());
    }

    void enqueue_stores_only_ciphertext() {
        test::TestApp t;
        std::int64_t now = t.clock->now();
        t.app->outbox.enqueue(auth::MailKind::Link, kFrom, kTo, message(), now + 1800);
        CPPUNIT_ASSERT(t.app->outbox.has_due());
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), test::queued_mails(*t.app));
        auto q = test::db(*t.app).query(
            "SELECT sender, recipient, nonce, ciphertext, created_at, expires_at, attempts, next_attempt_at, "
            "claimed_until, last_error FROM outbox");
        CPPUNIT_ASSERT(q.step());
        CPPUNIT_ASSERT_EQUAL(std::string(kFrom), q.text(0));
        CPPUNIT_ASSERT_EQUAL(std::string(kTo), q.text(1));
        CPPUNIT_ASSERT_EQUAL(std::size_t(24), q.text(2).size());  // crypto_secretbox nonce
        CPPUNIT_ASSERT_EQUAL(message().size() + 16, q.text(3).size());  // plus the MAC
        CPPUNIT_ASSERT_EQUAL(now, q.int64(4));
        CPPUNIT_ASSERT_EQUAL(now + 1800, q.int64(5));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), q.int64(6));
        CPPUNIT_ASSERT_EQUAL(now, q.int64(7));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), q.int64(8));
        CPPUNIT_ASSERT_EQUAL(std::string(), q.text(9));
        std::string all;
        for (int i = 0; i < 10; ++i) all += q.text(i);
        CPPUNIT_ASSERT(!contains(all, "SecretLinkToken"));
        CPPUNIT_ASSERT(!contains(all, "reset/confirm"));
        CPPUNIT_ASSERT(!contains(all, "Subject"));
        CPPUNIT_ASSERT(!q.step());
        // Not in the database files either.
        std::string path = t.dir.file("test.sqlite");
        CPPUNIT_ASSERT(!contains(file_bytes(path), "SecretLinkToken"));
        CPPUNIT_ASSERT(!contains(file_bytes(path + "-wal"), "SecretLinkToken"));
    }

    void same_message_twice_gives_different_ciphertext() {
        test::TestApp t;
        t.app->outbox.enqueue(auth::MailKind::Link, kFrom, kTo, message(), t.clock->now() + 1800);
        t.app->outbox.enqueue(auth::MailKind::Link, kFrom, kTo, message(), t.clock->now() + 1800);
        auto q = test::db(*t.app).query("SELECT nonce, ciphertext FROM outbox ORDER BY id");
        CPPUNIT_ASSERT(q.step());
        std::string n1 = q.text(0), c1 = q.text(1);
        CPPUNIT_ASSERT(q.step());
        CPPUNIT_ASSERT(n1 != q.text(0));
        CPPUNIT_ASSERT(c1 != q.text(1));
    }

    void deliver_due_sends_and_deletes() {
        test::TestApp t;
        t.app->outbox.enqueue(auth::MailKind::Link, kFrom, kTo, message(), t.clock->now() + 1800);
        CPPUNIT_ASSERT_EQUAL(1, t.app->outbox.deliver_due(*t.mailer));
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), t.mailer->sent.size());
        CPPUNIT_ASSERT_EQUAL(std::string(kFrom), t.mailer->sent[0].from);
        CPPUNIT_ASSERT_EQUAL(std::string(kTo), t.mailer->sent[0].to);
        CPPUNIT_ASSERT_EQUAL(message(), t.mailer->sent[0].message);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), test::queued_mails(*t.app));
        CPPUNIT_ASSERT(!t.app->outbox.has_due());
        // Nothing is sent twice.
        CPPUNIT_ASSERT_EQUAL(0, t.app->outbox.deliver_due(*t.mailer));
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), t.mailer->sent.size());
    }

    void deliver_due_respects_max() {
        test::TestApp t;
        for (int i = 0; i < 7; ++i) t.app->outbox.enqueue(auth::MailKind::Link, kFrom, kTo, message(std::to_string(i)), t.clock->now() + 1800);
        CPPUNIT_ASSERT_EQUAL(5, t.app->outbox.deliver_due(*t.mailer, 5));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(2), test::queued_mails(*t.app));
        CPPUNIT_ASSERT(t.app->outbox.has_due());
        CPPUNIT_ASSERT_EQUAL(2, t.app->outbox.deliver_due(*t.mailer, 5));
        CPPUNIT_ASSERT_EQUAL(std::size_t(7), t.mailer->sent.size());
        for (int i = 0; i < 7; ++i) CPPUNIT_ASSERT_EQUAL(message(std::to_string(i)), t.mailer->sent[i].message);
    }

    void failed_delivery_stays_with_its_error() {
        test::TestApp t;
        t.app->outbox.enqueue(auth::MailKind::Link, kFrom, kTo, message(), t.clock->now() + 1800);
        t.mailer->fail = true;
        test::CaptureStderr log;
        CPPUNIT_ASSERT_EQUAL(0, t.app->outbox.deliver_due(*t.mailer));
        CPPUNIT_ASSERT(t.mailer->sent.empty());
        auto r = rows(*t.app);
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), r.size());
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), r[0].attempts);
        CPPUNIT_ASSERT(contains(r[0].last_error, "RecordingMailer told to fail"));
        CPPUNIT_ASSERT_EQUAL(t.clock->now() + auth::Outbox::backoff(1), r[0].next_attempt_at);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), r[0].claimed_until);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), test::queued_mails(*t.app));
        CPPUNIT_ASSERT(!t.app->outbox.has_due());
        CPPUNIT_ASSERT(contains(log.text(), "not delivered"));
        CPPUNIT_ASSERT(contains(log.text(), "RecordingMailer told to fail"));
    }

    void failed_delivery_is_not_retried_before_backoff() {
        test::TestApp t;
        t.app->outbox.enqueue(auth::MailKind::Link, kFrom, kTo, message(), t.clock->now() + 1800);
        t.mailer->fail = true;
        {
            test::CaptureStderr quiet;
            t.app->outbox.deliver_due(*t.mailer);
        }
        t.mailer->fail = false;
        t.clock->advance(auth::Outbox::backoff(1) - 1);
        CPPUNIT_ASSERT(!t.app->outbox.has_due());
        CPPUNIT_ASSERT_EQUAL(0, t.app->outbox.deliver_due(*t.mailer));
        CPPUNIT_ASSERT(t.mailer->sent.empty());
        t.clock->advance(1);
        CPPUNIT_ASSERT(t.app->outbox.has_due());
        CPPUNIT_ASSERT_EQUAL(1, t.app->outbox.deliver_due(*t.mailer));
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), t.mailer->sent.size());
        CPPUNIT_ASSERT_EQUAL(message(), t.mailer->sent[0].message);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), test::queued_mails(*t.app));
    }

    void repeated_failures_back_off_further() {
        test::TestApp t;
        t.app->outbox.enqueue(auth::MailKind::Link, kFrom, kTo, message(), t.clock->now() + 24 * 3600);
        t.mailer->fail = true;
        test::CaptureStderr quiet;
        for (std::int64_t n = 1; n <= 6; ++n) {
            CPPUNIT_ASSERT_EQUAL(0, t.app->outbox.deliver_due(*t.mailer));
            auto r = rows(*t.app);
            CPPUNIT_ASSERT_EQUAL(std::size_t(1), r.size());
            CPPUNIT_ASSERT_EQUAL(n, r[0].attempts);
            CPPUNIT_ASSERT_EQUAL(t.clock->now() + auth::Outbox::backoff(n), r[0].next_attempt_at);
            t.clock->set(r[0].next_attempt_at);
        }
        t.mailer->fail = false;
        CPPUNIT_ASSERT_EQUAL(1, t.app->outbox.deliver_due(*t.mailer));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), test::queued_mails(*t.app));
    }

    void failure_loses_no_other_message() {
        test::TestApp t;
        for (int i = 0; i < 3; ++i) t.app->outbox.enqueue(auth::MailKind::Link, kFrom, kTo, message(std::to_string(i)), t.clock->now() + 1800);
        t.mailer->fail = true;
        {
            test::CaptureStderr quiet;
            CPPUNIT_ASSERT_EQUAL(0, t.app->outbox.deliver_due(*t.mailer));
        }
        CPPUNIT_ASSERT_EQUAL(std::int64_t(3), test::queued_mails(*t.app));
        t.mailer->fail = false;
        t.clock->advance(auth::Outbox::backoff(1));
        CPPUNIT_ASSERT_EQUAL(3, t.app->outbox.deliver_due(*t.mailer));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), test::queued_mails(*t.app));
        CPPUNIT_ASSERT_EQUAL(std::size_t(3), t.mailer->sent.size());
    }

    void failure_log_line_has_no_content() {
        test::TestApp t;
        t.app->outbox.enqueue(auth::MailKind::Link, kFrom, kTo, message(), t.clock->now() + 1800);
        t.mailer->fail = true;
        test::CaptureStderr log;
        t.app->outbox.deliver_due(*t.mailer);
        t.clock->advance(1800);
        t.app->outbox.deliver_due(*t.mailer);  // dropped as expired
        CPPUNIT_ASSERT(!log.text().empty());
        CPPUNIT_ASSERT(!contains(log.text(), "SecretLinkToken"));
        CPPUNIT_ASSERT(!contains(log.text(), "Subject"));
    }

    void backoff_grows_and_caps() {
        std::int64_t previous = 0;
        bool capped = false;
        for (std::int64_t n = 1; n <= 64; ++n) {
            std::int64_t b = auth::Outbox::backoff(n);
            CPPUNIT_ASSERT(b > 0);
            CPPUNIT_ASSERT(b >= previous);
            if (b == previous) capped = true;
            if (capped) CPPUNIT_ASSERT_EQUAL(previous, b);  // once it stops growing, it stays
            previous = b;
        }
        CPPUNIT_ASSERT(capped);
        CPPUNIT_ASSERT(auth::Outbox::backoff(2) > auth::Outbox::backoff(1));
        CPPUNIT_ASSERT(auth::Outbox::backoff(3) > auth::Outbox::backoff(2));
        // A few seconds at first, at most an hour between tries.
        CPPUNIT_ASSERT(auth::Outbox::backoff(1) <= 60);
        CPPUNIT_ASSERT(previous <= 3600);
        CPPUNIT_ASSERT_EQUAL(previous, auth::Outbox::backoff(1000000));
        CPPUNIT_ASSERT_EQUAL(previous, auth::Outbox::backoff(std::int64_t(1) << 62));
    }

    void expired_message_is_dropped_with_a_log_line() {
        test::TestApp t;
        t.app->outbox.enqueue(auth::MailKind::Link, kFrom, kTo, message(), t.clock->now() + 100);
        t.mailer->fail = true;
        test::CaptureStderr log;
        t.app->outbox.deliver_due(*t.mailer);
        t.mailer->fail = false;
        t.clock->advance(100);  // now == expires_at
        CPPUNIT_ASSERT_EQUAL(0, t.app->outbox.deliver_due(*t.mailer));
        CPPUNIT_ASSERT(t.mailer->sent.empty());
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), test::queued_mails(*t.app));
        CPPUNIT_ASSERT(!t.app->outbox.has_due());
        std::string text = log.text();
        CPPUNIT_ASSERT(contains(text, "dropped unsent after 1 attempts"));
        CPPUNIT_ASSERT(contains(text, "expired"));
        CPPUNIT_ASSERT(contains(text, "RecordingMailer told to fail"));  // its last error
    }

    void message_is_sent_until_its_expiry() {
        test::TestApp t;
        t.app->outbox.enqueue(auth::MailKind::Link, kFrom, kTo, message(), t.clock->now() + 100);
        t.clock->advance(99);
        CPPUNIT_ASSERT_EQUAL(1, t.app->outbox.deliver_due(*t.mailer));
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), t.mailer->sent.size());

        // Never tried before it expired: dropped, not sent.
        t.app->outbox.enqueue(auth::MailKind::Link, kFrom, kTo, message("late"), t.clock->now() + 10);
        t.clock->advance(11);
        test::CaptureStderr log;
        CPPUNIT_ASSERT_EQUAL(0, t.app->outbox.deliver_due(*t.mailer));
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), t.mailer->sent.size());
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), test::queued_mails(*t.app));
        CPPUNIT_ASSERT(contains(log.text(), "dropped unsent after 0 attempts"));
    }

    void claimed_message_is_left_to_its_claimer() {
        test::TestApp t;
        t.app->outbox.enqueue(auth::MailKind::Link, kFrom, kTo, message(), t.clock->now() + 1800);
        // Another process claimed it a moment ago and is sending it.
        test::db(*t.app).query("UPDATE outbox SET claimed_until = ?").bind(1, t.clock->now() + 120).exec();
        CPPUNIT_ASSERT(!t.app->outbox.has_due());
        CPPUNIT_ASSERT_EQUAL(0, t.app->outbox.deliver_due(*t.mailer));
        CPPUNIT_ASSERT(t.mailer->sent.empty());
        // That process died: once the claim lapses, the message goes out.
        t.clock->advance(120);
        CPPUNIT_ASSERT(t.app->outbox.has_due());
        CPPUNIT_ASSERT_EQUAL(1, t.app->outbox.deliver_due(*t.mailer));
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), t.mailer->sent.size());
    }

    void other_secret_key_cannot_open_the_message() {
        test::TestApp t;
        t.app->outbox.enqueue(auth::MailKind::Link, kFrom, kTo, message(), t.clock->now() + 1800);
        auth::Outbox other(t.app->store().outbox(), *t.clock, "another-secret-key-0123456789abcdef012345");
        test::RecordingMailer mailer;
        test::CaptureStderr log;
        CPPUNIT_ASSERT_EQUAL(0, other.deliver_due(mailer));
        CPPUNIT_ASSERT(mailer.sent.empty());
        CPPUNIT_ASSERT(contains(log.text(), "not delivered"));
        CPPUNIT_ASSERT(contains(log.text(), "cannot be opened"));
        CPPUNIT_ASSERT(!contains(log.text(), "SecretLinkToken"));
        auto r = rows(*t.app);
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), r.size());
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), r[0].attempts);
        CPPUNIT_ASSERT(contains(r[0].last_error, "cannot be opened"));
        // The right key still opens it.
        t.clock->advance(auth::Outbox::backoff(1));
        CPPUNIT_ASSERT_EQUAL(1, t.app->outbox.deliver_due(*t.mailer));
        CPPUNIT_ASSERT_EQUAL(message(), t.mailer->sent.at(0).message);
    }

    void links_go_before_notices() {
        test::TestApp t;
        for (int i = 0; i < 3; ++i)
            t.app->outbox.enqueue(auth::MailKind::Notice, kFrom, kTo, message(std::to_string(i)), t.clock->now() + 1800);
        t.app->outbox.enqueue(auth::MailKind::Link, kFrom, "bob@example.test", message("link"), t.clock->now() + 1800);
        CPPUNIT_ASSERT_EQUAL(1, t.app->outbox.deliver_due(*t.mailer, 1));
        CPPUNIT_ASSERT_EQUAL(std::string("bob@example.test"), t.mailer->sent.at(0).to);
        CPPUNIT_ASSERT_EQUAL(3, t.app->outbox.deliver_due(*t.mailer));
    }

    void a_flooded_address_goes_after_the_others() {
        test::TestApp t;
        for (int i = 0; i < 6; ++i)
            t.app->outbox.enqueue(auth::MailKind::Notice, kFrom, kTo, message(std::to_string(i)), t.clock->now() + 1800);
        bool queued = false;
        t.mailer->during_send = [&] {  // others' mail arrives while the flood is being sent
            if (std::exchange(queued, true)) return;
            t.app->outbox.enqueue(auth::MailKind::Notice, kFrom, "bob@example.test", message("b"), t.clock->now() + 1800);
            t.app->outbox.enqueue(auth::MailKind::Notice, kFrom, "cy@example.test", message("c"), t.clock->now() + 1800);
        };
        CPPUNIT_ASSERT_EQUAL(8, t.app->outbox.deliver_due(*t.mailer));
        std::vector<std::string> to;
        for (const auto& m : t.mailer->sent) to.push_back(m.to);
        CPPUNIT_ASSERT_EQUAL(std::string(kTo), to.at(0));
        CPPUNIT_ASSERT_EQUAL(std::string("bob@example.test"), to.at(1));
        CPPUNIT_ASSERT_EQUAL(std::string("cy@example.test"), to.at(2));
        for (std::size_t i = 3; i < to.size(); ++i) CPPUNIT_ASSERT_EQUAL(std::string(kTo), to[i]);
        // The flood itself in the order it was queued.
        for (int i = 1; i < 6; ++i) CPPUNIT_ASSERT_EQUAL(message(std::to_string(i)), t.mailer->sent.at(i + 2).message);
    }

    void an_address_gets_at_most_its_hourly_share() {
        test::TestApp t("http://127.0.0.1:8080", [](auth::Config& c) { c.mail_max_per_hour = 3; });
        test::CaptureStderr log;
        auth::Outbox& box = t.app->outbox;
        CPPUNIT_ASSERT(box.enqueue(auth::MailKind::Notice, kFrom, kTo, message("1"), t.clock->now() + 1800));
        CPPUNIT_ASSERT(box.take_share("ADA@example.test"));  // a request for a link, no mail; any case
        CPPUNIT_ASSERT(box.enqueue(auth::MailKind::Link, kFrom, kTo, message("2"), t.clock->now() + 1800));
        CPPUNIT_ASSERT(box.enqueue(auth::MailKind::Notice, kFrom, kTo, message("3"), t.clock->now() + 1800));
        // Three mails queued: a notice is dropped with a log line, a link refused.
        CPPUNIT_ASSERT(!box.enqueue(auth::MailKind::Notice, kFrom, kTo, message("4"), t.clock->now() + 1800));
        CPPUNIT_ASSERT(contains(log.text(), "notice was dropped"));
        CPPUNIT_ASSERT(!box.enqueue(auth::MailKind::Link, kFrom, kTo, message("5"), t.clock->now() + 1800));
        CPPUNIT_ASSERT(!box.take_share(kTo));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(3), test::queued_mails(*t.app));
        // Other addresses are not affected.
        CPPUNIT_ASSERT(box.enqueue(auth::MailKind::Notice, kFrom, "bob@example.test", message("b"), t.clock->now() + 1800));
        // An hour later the address has its share again.
        t.clock->advance(3600);
        CPPUNIT_ASSERT(box.enqueue(auth::MailKind::Link, kFrom, kTo, message("6"), t.clock->now() + 1800));
        CPPUNIT_ASSERT(!contains(log.text(), "SecretLinkToken"));
    }

    // Asking for reset links to someone's address (which sends nothing when
    // the links of the hour are used up) must not silence its notices.
    void requests_for_links_do_not_use_up_the_notices() {
        test::TestApp t("http://127.0.0.1:8080", [](auth::Config& c) { c.mail_max_per_hour = 3; });
        auth::Outbox& box = t.app->outbox;
        for (int i = 0; i < 3; ++i) CPPUNIT_ASSERT(box.take_share(kTo));
        CPPUNIT_ASSERT(!box.take_share(kTo));  // the links' share is used up
        CPPUNIT_ASSERT(!box.enqueue(auth::MailKind::Link, kFrom, kTo, message("l"), t.clock->now() + 1800));
        for (int i = 0; i < 3; ++i)
            CPPUNIT_ASSERT(box.enqueue(auth::MailKind::Notice, kFrom, kTo, message(std::to_string(i)), t.clock->now() + 1800));
        test::CaptureStderr quiet;
        CPPUNIT_ASSERT(!box.enqueue(auth::MailKind::Notice, kFrom, kTo, message("x"), t.clock->now() + 1800));
    }

    void a_refused_recipient_does_not_stop_the_others() {
        test::TestApp t;
        t.app->outbox.enqueue(auth::MailKind::Link, kFrom, kTo, message(), t.clock->now() + 1800);
        t.app->outbox.enqueue(auth::MailKind::Link, kFrom, "bob@example.test", message("b"), t.clock->now() + 1800);
        t.mailer->refuse = kTo;
        test::CaptureStderr log;
        CPPUNIT_ASSERT_EQUAL(1, t.app->outbox.deliver_due(*t.mailer));
        CPPUNIT_ASSERT_EQUAL(std::string("bob@example.test"), t.mailer->sent.at(0).to);
        // Refused for good (5xx): dropped with a log line, not retried.
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), test::queued_mails(*t.app));
        CPPUNIT_ASSERT(contains(log.text(), "refused for good"));
    }

    void a_server_failure_puts_the_rest_back_uncounted() {
        test::TestApp t;
        for (int i = 0; i < 3; ++i)
            t.app->outbox.enqueue(auth::MailKind::Link, kFrom, "p" + std::to_string(i) + "@example.test", message(),
                                  t.clock->now() + 1800);
        t.mailer->fail = true;
        test::CaptureStderr log;
        CPPUNIT_ASSERT_EQUAL(0, t.app->outbox.deliver_due(*t.mailer));
        auto r = rows(*t.app);
        CPPUNIT_ASSERT_EQUAL(std::size_t(3), r.size());
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), r[0].attempts);  // the one tried
        for (int i = 1; i < 3; ++i) {
            CPPUNIT_ASSERT_EQUAL(std::int64_t(0), r[i].attempts);  // not tried: not counted
            CPPUNIT_ASSERT(contains(r[i].last_error, "not tried"));
            CPPUNIT_ASSERT_EQUAL(std::int64_t(0), r[i].claimed_until);
            CPPUNIT_ASSERT_EQUAL(r[0].next_attempt_at, r[i].next_attempt_at);  // all wait as long
        }
    }

    void a_run_killed_mid_send_loses_nothing_and_sends_once() {
        test::TestApp t;
        t.app->outbox.enqueue(auth::MailKind::Link, kFrom, kTo, message(), t.clock->now() + 1800);
        // A run claims the message and dies during the send: what it leaves
        // in the database is all there is.
        auto claimed = t.app->store().outbox().claim_next(t.clock->now(), t.clock->now() + 600, &auth::Outbox::backoff);
        CPPUNIT_ASSERT(claimed);
        auto r = rows(*t.app);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), r.at(0).attempts);  // counted before the send
        CPPUNIT_ASSERT(contains(r[0].last_error, "ended during the attempt"));
        // The next run (the lock is free: the dead run's descriptor closed)
        // does not send it again at once, in case the server was what hung...
        auth::DeliveryRun run;
        run.linger_seconds = 0;
        run.pause = [] {};
        CPPUNIT_ASSERT_EQUAL(0, auth::run_delivery(t.app->outbox, t.app->store().outbox(), *t.mailer, *t.clock, run));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), rows(*t.app).at(0).claimed_until);  // its claim is gone
        // ...but after the backoff, once.
        t.clock->advance(auth::Outbox::backoff(1));
        CPPUNIT_ASSERT_EQUAL(1, auth::run_delivery(t.app->outbox, t.app->store().outbox(), *t.mailer, *t.clock, run));
        CPPUNIT_ASSERT_EQUAL(0, auth::run_delivery(t.app->outbox, t.app->store().outbox(), *t.mailer, *t.clock, run));
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), t.mailer->sent.size());
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), test::queued_mails(*t.app));
    }

    void one_run_at_a_time() {
        test::TestApp t;
        t.app->outbox.enqueue(auth::MailKind::Link, kFrom, kTo, message(), t.clock->now() + 1800);
        auth::DeliveryRun run;
        run.linger_seconds = 0;
        run.pause = [] {};
        {
            auto held = t.app->store().outbox().try_lock();  // another run is at work
            CPPUNIT_ASSERT(held);
            CPPUNIT_ASSERT(!t.app->store().outbox().try_lock());
            CPPUNIT_ASSERT_EQUAL(0, auth::run_delivery(t.app->outbox, t.app->store().outbox(), *t.mailer, *t.clock, run));
            CPPUNIT_ASSERT(t.mailer->sent.empty());
        }
        CPPUNIT_ASSERT_EQUAL(1, auth::run_delivery(t.app->outbox, t.app->store().outbox(), *t.mailer, *t.clock, run));
    }

    void a_run_waits_for_a_retry_due_soon() {
        test::TestApp t;
        t.app->outbox.enqueue(auth::MailKind::Link, kFrom, kTo, message(), t.clock->now() + 1800);
        t.mailer->fail = true;
        int pauses = 0;
        auth::DeliveryRun run;
        run.linger_seconds = 60;
        run.pause = [&] {
            ++pauses;
            t.mailer->fail = false;  // the server is back
            t.clock->advance(1);
        };
        test::CaptureStderr log;
        CPPUNIT_ASSERT_EQUAL(1, auth::run_delivery(t.app->outbox, t.app->store().outbox(), *t.mailer, *t.clock, run));
        CPPUNIT_ASSERT_EQUAL(static_cast<int>(auth::Outbox::backoff(1)), pauses);
        // A retry due after the linger is left to a later run.
        t.app->outbox.enqueue(auth::MailKind::Link, kFrom, kTo, message(), t.clock->now() + 1800);
        t.mailer->fail = true;
        run.linger_seconds = 2;
        run.pause = [&] { t.clock->advance(1); };
        CPPUNIT_ASSERT_EQUAL(0, auth::run_delivery(t.app->outbox, t.app->store().outbox(), *t.mailer, *t.clock, run));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), test::queued_mails(*t.app));
    }

    void a_run_takes_mail_queued_while_it_works() {
        test::TestApp t;
        t.app->outbox.enqueue(auth::MailKind::Link, kFrom, kTo, message("1"), t.clock->now() + 1800);
        bool queued = false;
        t.mailer->during_send = [&] {
            if (queued) return;
            queued = true;  // a page queues mail while the run is sending
            t.app->outbox.enqueue(auth::MailKind::Link, kFrom, "bob@example.test", message("2"), t.clock->now() + 1800);
        };
        auth::DeliveryRun run;
        run.linger_seconds = 0;
        run.pause = [] {};
        CPPUNIT_ASSERT_EQUAL(2, auth::run_delivery(t.app->outbox, t.app->store().outbox(), *t.mailer, *t.clock, run));
    }

    // A stand-in for sessionauth-deliver: writes what it was started with.
    static std::string fake_program(const test::TempDir& dir) {
        std::string path = dir.file("fake-deliver");
        std::ofstream out(path);
        out << "#!/bin/sh\nout='" << dir.file("started") << "'\n" << R"(fds=$(for f in /proc/$$/fd/*; do readlink "$f"; done | tr '\n' ' ')
in=$(readlink /proc/$$/fd/0)
o=$(readlink /proc/$$/fd/1)
sid=$(cut -d' ' -f6 /proc/$$/stat)
{ env | sort; echo "pid=$$"; echo "sid=$sid"; echo "stdin=$in"; echo "stdout=$o"; echo "fds=$fds"; } > "$out.tmp"
mv "$out.tmp" "$out"
)";
        out.close();
        chmod(path.c_str(), 0755);
        return path;
    }

    static std::string wait_for_file(const std::string& path) {
        for (int i = 0; i < 500; ++i) {  // 10 s: the sanitizer build on a busy machine is slow
            std::string text = file_bytes(path);
            if (!text.empty()) return text;
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        return "";
    }

    void after_response_starts_a_detached_run_with_our_keys_only() {
        test::TempDir programs;
        std::string program = fake_program(programs);
        setenv("HTTP_COOKIE", "sid=secret-session", 1);  // a CGI request's variable
        setenv("MAIL_SERVER", "smtp.example.test", 1);   // a key of ours from the environment
        test::TestApp t("http://127.0.0.1:8080", [&](auth::Config& c) {
            c.mail_delivery = auth::MailDelivery::AfterResponse;
            c.mail_deliver_program = program;
            c.env_file = "/etc/sessionauth/site.env";
        });
        // Nothing queued and nothing due: nothing started.
        auth::after_response(*t.app, false);
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        CPPUNIT_ASSERT(file_bytes(programs.file("started")).empty());

        // A descriptor of ours that is not close-on-exec: the run must not get it.
        int marker = ::open(programs.file("marker").c_str(), O_CREAT | O_RDWR, 0600);
        auth::after_response(*t.app, true);  // the environment is sifted now, at the first start
        ::close(marker);
        unsetenv("HTTP_COOKIE");
        unsetenv("MAIL_SERVER");
        std::string seen = wait_for_file(programs.file("started"));
        CPPUNIT_ASSERT_MESSAGE(seen, contains(seen, "AUTH_ENV=/etc/sessionauth/site.env\n"));
        CPPUNIT_ASSERT_MESSAGE(seen, contains(seen, "MAIL_SERVER=smtp.example.test\n"));
        CPPUNIT_ASSERT_MESSAGE(seen, !contains(seen, "HTTP_COOKIE"));
        CPPUNIT_ASSERT_MESSAGE(seen, !contains(seen, "secret-session"));
        CPPUNIT_ASSERT_MESSAGE(seen, contains(seen, "stdin=/dev/null\n"));
        CPPUNIT_ASSERT_MESSAGE(seen, contains(seen, "stdout=/dev/null\n"));
        // A session of its own: its session id is its own pid.
        auto field = [&](const std::string& name) {
            auto at = seen.find(name + "=");
            return at == std::string::npos ? "" : seen.substr(at + name.size() + 1, seen.find('\n', at) - at - name.size() - 1);
        };
        CPPUNIT_ASSERT_MESSAGE(seen, !field("pid").empty());
        CPPUNIT_ASSERT_EQUAL(field("pid"), field("sid"));
        // No descriptor of ours: neither the marker nor the database.
        std::string fds = field("fds");
        CPPUNIT_ASSERT_MESSAGE(fds, contains(fds, "/dev/null"));
        CPPUNIT_ASSERT_MESSAGE(fds, !contains(fds, "marker"));
        CPPUNIT_ASSERT_MESSAGE(fds, !contains(fds, "test.sqlite"));
    }

    void cron_mode_starts_nothing() {
        test::TempDir programs;
        std::string program = fake_program(programs);
        test::TestApp t("http://127.0.0.1:8080", [&](auth::Config& c) {
            c.mail_delivery = auth::MailDelivery::Cron;
            c.mail_deliver_program = program;
        });
        t.app->outbox.enqueue(auth::MailKind::Link, kFrom, kTo, message(), t.clock->now() + 1800);
        auth::after_response(*t.app, true);
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        CPPUNIT_ASSERT(file_bytes(programs.file("started")).empty());
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), test::queued_mails(*t.app));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(OutboxTest);

}  // namespace
