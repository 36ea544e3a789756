// TLS for the SMTP client, with no OpenSSL type in sight of its users.
//
// TlsClient: one client context for MAIL_SERVER: TLS 1.2 or later, the
// system CAs (SSL_CERT_FILE / SSL_CERT_DIR honoured), the certificate
// checked in the handshake against MAIL_SERVER as a DNS name (no partial
// wildcards) or an IP address. libesmtp does STARTTLS with it. It cannot
// do implicit TLS (MAIL_SSL_TLS, port 465): ImplicitTlsRelay opens that
// connection and carries libesmtp's plain session into it from 127.0.0.1,
// byte for byte, reading nothing of the SMTP it carries.
#pragma once
#include <chrono>
#include <memory>
#include <string>

struct smtp_session;  // libesmtp's smtp_session_t points to one

namespace auth::smtp {

using std::chrono::milliseconds;

class TlsClient {  // not copyable (unique_ptr)
public:
    explicit TlsClient(const std::string& host);
    ~TlsClient();
    // Requires STARTTLS on the session, with this context.
    bool use_for_starttls(smtp_session* session) const;
    // Forgets verify_error(); the next handshake fails with `why` as its
    // verify_error(), unless `why` is "" (see smtp_mailer.cc: injection).
    void refuse_next_handshake(const std::string& why);
    // Why the last handshake was refused ("" if it was not).
    const std::string& verify_error() const;

    struct Impl;

private:
    friend class ImplicitTlsRelay;
    std::unique_ptr<Impl> impl_;
};

// A TLS connection to host:port, made in the constructor (else MailError
// saying what failed, after `prefix`), then offered on 127.0.0.1:port() to
// ONE connection from this process, and copied both ways until either side
// closes or `session_limit` has passed; `timeout` bounds each step. The
// loopback leg carries plaintext SMTP (AUTH included) inside this process,
// for one send; all that leaves the machine is in TLS.
class ImplicitTlsRelay {  // not copyable (unique_ptr)
public:
    ImplicitTlsRelay(const TlsClient& tls, const std::string& host, int port, const std::string& prefix,
                     milliseconds timeout, milliseconds session_limit);
    ~ImplicitTlsRelay();
    int port() const;
    // Stops the relay; why it ended the session itself, "" if a side closed it.
    std::string finish();

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace auth::smtp
