// TLS for the SMTP client, with no OpenSSL type in sight of its users.
//
// TlsClient holds the client settings for MAIL_SERVER: TLS 1.2 or later,
// the system CA store (SSL_CTX_set_default_verify_paths, which honours
// SSL_CERT_FILE / SSL_CERT_DIR), and the certificate checked against
// MAIL_SERVER as a DNS name (no partial wildcards) or an IP address during
// the handshake (SSL_VERIFY_PEER): a certificate that fails ends it.
//
// libesmtp does STARTTLS itself with these settings (use_for_starttls). It
// cannot do implicit TLS (MAIL_SSL_TLS, port 465): for that, ImplicitTlsRelay
// opens the TLS connection and carries libesmtp's plain session into it
// from 127.0.0.1, byte for byte, reading nothing of the SMTP it carries.
#pragma once
#include <chrono>
#include <memory>
#include <string>

struct smtp_session;  // libesmtp's smtp_session_t points to one

namespace auth::smtp {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

class TlsClient {
public:
    explicit TlsClient(const std::string& host);
    ~TlsClient();
    TlsClient(const TlsClient&) = delete;
    TlsClient& operator=(const TlsClient&) = delete;

    // Requires STARTTLS with these settings on the session (libesmtp owns
    // the context it is given and frees it with the session).
    bool use_for_starttls(smtp_session* session) const;
    // Why the server's certificate was refused in the last handshake, "" if it was not.
    std::string verify_error() const;
    // Makes the next handshake fail with `why` (see smtp_mailer.cc: data
    // that arrived in plaintext with the STARTTLS reply).
    void refuse_next_handshake(const std::string& why);
    // Forgets the last send's verify error and refusal (call before each send).
    void start_over();

    struct Impl;

private:
    friend class ImplicitTlsRelay;
    std::unique_ptr<Impl> impl_;
};

// A connection to host:port in TLS from the first byte, set up in the
// constructor within `timeout` (throws MailError naming what failed), then
// offered on 127.0.0.1:port() to ONE connection from this process, and
// copied both ways until either side closes or `session_limit` has passed.
// The loopback leg carries plaintext SMTP (AUTH included), inside this one
// process, for one send; everything that leaves the machine is in TLS.
class ImplicitTlsRelay {
public:
    ImplicitTlsRelay(const TlsClient& tls, const std::string& host, int port, milliseconds timeout,
                     milliseconds session_limit);
    ~ImplicitTlsRelay();
    ImplicitTlsRelay(const ImplicitTlsRelay&) = delete;
    ImplicitTlsRelay& operator=(const ImplicitTlsRelay&) = delete;

    int port() const;
    // Stops the relay and returns why it ended the session itself ("" if
    // the client or the server closed it).
    std::string finish();

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
};

// A TCP connection to host:port (each address in turn) within `timeout`;
// throws MailError naming what failed. The descriptor is the caller's.
int connect_tcp(const std::string& host, int port, milliseconds timeout);

}  // namespace auth::smtp
