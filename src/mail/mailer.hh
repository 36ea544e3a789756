// Mail: a message value, its RFC 5322 form (multipart/alternative text and
// HTML, CRLF line endings, encoded headers), and the Mailer that sends it.
// SmtpMailer sends through libesmtp to MAIL_SERVER:MAIL_PORT with STARTTLS
// (MAIL_STARTTLS), implicit TLS (MAIL_SSL_TLS) and AUTH (MAIL_USERNAME /
// MAIL_PASSWORD), with bounded timeouts; it throws MailError unless the
// server accepted the message for every recipient.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>

namespace auth {

struct Config;

class MailError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct MailMessage {
    std::string from;     // an address (MAIL_FROM)
    std::string to;       // one address
    std::string subject;  // UTF-8; encoded per RFC 2047 when not ASCII
    std::string text;     // UTF-8 plain text body
    std::string html;     // UTF-8 HTML body; empty for text only
};

// The full message with From, To, Subject, Date (from `now`), Message-ID
// (random, @ the From domain), MIME-Version and Content-Type headers and
// CRLF line endings. Throws MailError if `from` or `to` is not a plain email
// address (CR, LF, NUL, spaces, a second address…) or the subject has CR/LF.
std::string build_message(const MailMessage& message, std::int64_t now);

class Mailer {
public:
    virtual ~Mailer() = default;
    // `rfc5322` is the output of build_message. Throws MailError on failure.
    virtual void send(const std::string& from, const std::string& to, const std::string& rfc5322) = 0;
};

class SmtpMailer final : public Mailer {
public:
    // Timeouts in milliseconds for connecting and for each SMTP step.
    explicit SmtpMailer(const Config& config, int timeout_ms = 10000);
    void send(const std::string& from, const std::string& to, const std::string& rfc5322) override;

private:
    std::string server_;
    int port_;
    std::string username_;
    std::string password_;
    bool starttls_;
    bool implicit_tls_;
    int timeout_ms_;
};

}  // namespace auth
