// TLS for the SMTP client, with no OpenSSL type in sight of its users.
#pragma once
#include <memory>
#include <string>

struct smtp_session;  // libesmtp's smtp_session_t points to one

namespace auth::smtp {

// One client context for MAIL_SERVER: the system CAs (SSL_CERT_FILE /
// SSL_CERT_DIR honoured), the certificate checked in the handshake against
// MAIL_SERVER as a DNS name (no partial wildcards) or an IP address; TLS 1.2
// for libesmtp's STARTTLS, 1.2 or later for ImplicitTlsRelay.
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

private:
    friend class ImplicitTlsRelay;
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// Implicit TLS (MAIL_SSL_TLS, port 465), which libesmtp cannot do: a TLS
// connection to host:port made in the constructor (else MailError, after
// `prefix`), offered on 127.0.0.1:port() to ONE connection from this process
// (libesmtp's) and copied both ways byte for byte, reading no SMTP, until a
// side closes or six times `timeout_ms` (each step's bound) have passed. The
// plaintext leg (AUTH included) never leaves this process.
class ImplicitTlsRelay {  // not copyable (unique_ptr)
public:
    ImplicitTlsRelay(const TlsClient& tls, const std::string& host, int port, const std::string& prefix, int timeout_ms);
    ~ImplicitTlsRelay();
    int port() const;
    // Stops the relay; why it ended the session itself, "" if a side closed it.
    std::string finish();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace auth::smtp
