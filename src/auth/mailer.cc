// TRANSITIONAL: replaced by the real libesmtp implementation being written.
#include "auth/mailer.hh"

#include "auth/config.hh"

namespace auth {

std::string build_message(const MailMessage& message, std::int64_t) {
    return "From: " + message.from + "\r\nTo: " + message.to + "\r\nSubject: " + message.subject + "\r\n\r\n" + message.text;
}

SmtpMailer::SmtpMailer(const Config& config, int timeout_ms)
    : server_(config.mail_server), port_(config.mail_port), username_(config.mail_username),
      password_(config.mail_password), starttls_(config.mail_starttls), implicit_tls_(config.mail_ssl_tls),
      timeout_ms_(timeout_ms) {}

void SmtpMailer::send(const std::string&, const std::string&, const std::string&) { throw MailError("not implemented yet"); }

void RecordingMailer::send(const std::string& from, const std::string& to, const std::string& rfc5322) {
    if (fail) throw MailError("RecordingMailer told to fail");
    sent.push_back({from, to, rfc5322});
}

}  // namespace auth
