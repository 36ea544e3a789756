// SmtpMailer: one message to one recipient through libesmtp 1.1, to
// MAIL_SERVER:MAIL_PORT with STARTTLS (MAIL_STARTTLS), implicit TLS
// (MAIL_SSL_TLS) or neither (see smtp/tls.hh), and AUTH when MAIL_USERNAME
// and MAIL_PASSWORD are both set.
//
// libesmtp reports most failures as success (PITFALLS.md): a send is done
// only if the session ran and the message and recipient statuses are 2xx.
// The caller ignores SIGPIPE (libesmtp writes with write(2)).
#pragma once
#include <memory>
#include <string>

#include "core/config.hh"
#include "mail/mailer.hh"
#include "smtp/tls.hh"

namespace auth {

class SmtpMailer final : public Mailer {
public:
    // `timeout_ms`: for connecting and for each SMTP step.
    explicit SmtpMailer(const Config& config, int timeout_ms = 10000);
    void send(const std::string& from, const std::string& to, const std::string& rfc5322) override;

private:
    Config config_;
    int timeout_ms_;
    std::unique_ptr<smtp::TlsClient> tls_;
};

}  // namespace auth
