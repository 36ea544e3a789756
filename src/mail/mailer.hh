// Mail: a message value, its RFC 5322 form (multipart/alternative text and
// HTML, CRLF line endings, encoded headers), and the Mailer interface that
// sends it. The SMTP implementation (smtp/smtp_mailer.hh) is linked only into
// sessionauth-deliver: the page programs queue mail and never send it.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>

namespace auth {

// A message that was not sent. Scope::Server (the default): the server
// could not be reached or refused the session, so nothing else will go now
// either. Scope::Message: this message was refused (its recipient, its
// content); others may still go. `permanent`: the server said 5xx for it,
// and sending it again would get the same answer.
class MailError : public std::runtime_error {
public:
    enum class Scope { Server, Message };
    explicit MailError(const std::string& what, Scope scope = Scope::Server, bool permanent = false)
        : std::runtime_error(what), scope_(scope), permanent_(permanent) {}
    Scope scope() const { return scope_; }
    bool permanent() const { return permanent_; }

private:
    Scope scope_;
    bool permanent_;
};

struct MailMessage {
    std::string from;     // an address (MAIL_FROM)
    std::string from_name;  // the From display name (SITE_NAME), "" for none; UTF-8, encoded per RFC 2047 when not ASCII
    std::string to;       // one address
    std::string subject;  // UTF-8; encoded per RFC 2047 when not ASCII
    std::string text;     // UTF-8 plain text body
    std::string html;     // UTF-8 HTML body; empty for text only
};

// The address as it goes into a header and the SMTP envelope; throws
// MailError (the message's, permanent) naming `what` if it is not a plain
// email address (CR, LF, NUL, spaces, a second address…).
std::string plain_address(const std::string& address, const char* what);

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

}  // namespace auth
