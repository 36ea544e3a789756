// The network side of SmtpMailer, below libesmtp: a TCP connect with a
// timeout, the client TLS settings (system CA store, host name check, SNI),
// and MailRelay, an in-process relay on 127.0.0.1 that libesmtp talks plain
// SMTP to and that carries the session to MAIL_SERVER:MAIL_PORT: as it is
// (MAIL_STARTTLS=False, MAIL_SSL_TLS=False), inside TLS opened right away
// (MAIL_SSL_TLS, implicit TLS, which libesmtp 1.1 cannot do), or inside TLS
// opened with STARTTLS by the relay itself (MAIL_STARTTLS).
//
// Why the relay does STARTTLS rather than libesmtp: libesmtp 1.1.0 races
// with TLS 1.3. The server's NewSessionTicket records arrive just after the
// handshake; libesmtp's poll then sees the socket readable while its EHLO
// still sits unflushed in its buffer, blocks reading until the step timeout
// and QUITs (about half the sessions against an OpenSSL server here).
//
// libesmtp also has no connect timeout and only per-read timeouts; the relay
// gives it both: the connection (and any TLS) is set up within the timeout
// before libesmtp starts, and the whole session is cut off at a fixed limit
// however slowly the server talks.
#pragma once
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <csignal>

#include <openssl/ssl.h>

namespace auth::mail {

// An owned file descriptor.
class UniqueFd {
public:
    UniqueFd() = default;
    explicit UniqueFd(int fd) : fd_(fd) {}
    ~UniqueFd() { reset(); }
    UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
    UniqueFd& operator=(UniqueFd&& other) noexcept {
        if (this != &other) reset(other.release());
        return *this;
    }
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;
    int get() const { return fd_; }
    explicit operator bool() const { return fd_ >= 0; }
    int release() {
        int fd = fd_;
        fd_ = -1;
        return fd;
    }
    void reset(int fd = -1);

private:
    int fd_ = -1;
};

using Clock = std::chrono::steady_clock;

// Blocks SIGPIPE in the calling thread for its lifetime and discards a
// SIGPIPE raised meanwhile, so that writing to a connection the server
// dropped fails with EPIPE instead of killing the FastCGI process (libesmtp
// writes with write(2), not send(MSG_NOSIGNAL)). Thread-local: the
// process's disposition of SIGPIPE is left alone.
class SigpipeBlock {
public:
    SigpipeBlock();
    ~SigpipeBlock();
    SigpipeBlock(const SigpipeBlock&) = delete;
    SigpipeBlock& operator=(const SigpipeBlock&) = delete;

private:
    sigset_t old_{};
    bool was_pending_ = false;
};

// A TCP connection to host:port, tried address by address (as getaddrinfo
// lists them) with a non-blocking connect, all within `timeout`. Throws
// MailError naming what failed (name lookup, refused, timed out).
UniqueFd connect_tcp(const std::string& host, int port, std::chrono::milliseconds timeout);

// An OpenSSL client context for talking to `host`: TLS 1.2 or later, peers
// verified against the system CA store (SSL_CTX_set_default_verify_paths,
// which honours SSL_CERT_FILE / SSL_CERT_DIR) and against `host` as a DNS
// name (no partial wildcards) or an IP address. A certificate that fails
// either check aborts the handshake (SSL_VERIFY_PEER).
class TlsClientContext {
public:
    explicit TlsClientContext(const std::string& host);
    ~TlsClientContext();
    TlsClientContext(const TlsClientContext&) = delete;
    TlsClientContext& operator=(const TlsClientContext&) = delete;

    SSL_CTX* get() const { return ctx_; }
    const std::string& host() const { return host_; }
    bool host_is_ip() const { return host_is_ip_; }
    // Why the peer's certificate was refused, "" if it was not.
    std::string verify_error() const;

private:
    static int verify_callback(int ok, X509_STORE_CTX* store);
    void record(const std::string& error);

    std::string host_;
    bool host_is_ip_ = false;
    SSL_CTX* ctx_ = nullptr;
    mutable std::mutex mutex_;
    std::string verify_error_;
};

// OpenSSL's queued errors as one line (and the queue emptied).
std::string openssl_errors();

enum class RelayMode {
    Plain,        // bytes as they are
    StartTls,     // greeting, EHLO, STARTTLS (required), TLS, then a fresh 220 to libesmtp
    ImplicitTls,  // TLS from the first byte
};

// A relay from 127.0.0.1:port() to host:port. The constructor connects and
// sets up TLS as `mode` says (each step within `timeout`; `tls` is needed
// for the TLS modes), throwing MailError naming what failed, then starts
// one thread that accepts ONE connection, only from this process, within
// `timeout` and copies bytes both ways until either side closes, abort() is
// called, or `session_limit` has passed since construction. The destructor
// stops and joins the thread.
//
// The loopback leg carries the SMTP session in plaintext (AUTH included):
// it exists inside this one process for the length of one send, on
// 127.0.0.1 only, and the relay accepts a connection only when the
// connecting socket is one of this process's own descriptors. Everything
// that leaves the machine is inside TLS in the TLS modes.
class MailRelay {
public:
    MailRelay(const std::string& host, int port, RelayMode mode, const TlsClientContext* tls,
              std::chrono::milliseconds timeout, std::chrono::milliseconds session_limit);
    ~MailRelay();
    MailRelay(const MailRelay&) = delete;
    MailRelay& operator=(const MailRelay&) = delete;

    int port() const { return local_port_; }
    // Stops forwarding at once (any thread): nothing libesmtp writes after
    // this reaches the server.
    void abort();
    // Stops the thread and returns why the relay ended the session itself
    // ("" if it did not: the client or the server closed it).
    std::string finish();

private:
    void run();
    void pump(int client);
    void note(const std::string& reason);
    void starttls(std::chrono::milliseconds timeout);
    void handshake(const TlsClientContext& tls, std::chrono::milliseconds timeout);

    std::string host_;
    std::chrono::milliseconds timeout_, session_limit_;
    Clock::time_point deadline_;
    struct SslFree {
        void operator()(SSL* ssl) const { SSL_free(ssl); }
    };
    UniqueFd upstream_;
    std::unique_ptr<SSL, SslFree> ssl_;
    bool ssl_clean_ = true;  // no fatal TLS error: a close_notify may be sent
    std::string greeting_;   // StartTls: the 220 libesmtp gets first
    UniqueFd listener_;
    int local_port_ = 0;
    UniqueFd wake_read_, wake_write_;
    std::atomic<bool> stop_{false};
    std::mutex mutex_;
    std::string reason_;
    std::thread thread_;
};

}  // namespace auth::mail
