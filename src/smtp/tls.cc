#include "smtp/tls.hh"

#include <arpa/inet.h>
#include <netdb.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
// After <openssl/ssl.h>: libesmtp declares smtp_starttls_set_ctx only then.
#include <cstddef>
#include <auth-client.h>
#include <libesmtp.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <system_error>
#include <thread>
#include <utility>

#include "core/fd.hh"
#include "mail/mailer.hh"

namespace auth::smtp {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Milliseconds left until `deadline` for poll(), rounded up so that a poll
// never wakes a hair early and spins.
int ms_until(Clock::time_point deadline) {
    auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count() + 1;
    return left <= 0 ? 0 : left > 1'000'000'000 ? 1'000'000'000 : static_cast<int>(left);
}

std::string openssl_errors() {
    std::string out;
    while (unsigned long e = ERR_get_error()) {
        char buf[256];
        ERR_error_string_n(e, buf, sizeof buf);
        out += (out.empty() ? "" : "; ") + std::string(buf);
    }
    return out.empty() ? "unknown TLS error" : out;
}

// Each blocking read, write and connect() on `fd` gives up after `t`.
void set_timeouts(int fd, milliseconds t) {
    timeval tv{static_cast<time_t>(t.count() / 1000), static_cast<suseconds_t>(t.count() % 1000 * 1000)};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

// A TCP connection to host:port, each address in turn, `timeout` each.
int connect_tcp(const std::string& host, int port, const std::string& prefix, milliseconds timeout) {
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* list = nullptr;
    if (int rc = getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &list); rc != 0)
        throw MailError(prefix + "cannot resolve: " + gai_strerror(rc));
    std::unique_ptr<addrinfo, void (*)(addrinfo*)> owner(list, freeaddrinfo);
    std::string why = "no address";
    for (addrinfo* ai = list; ai; ai = ai->ai_next) {
        Fd fd(::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol));
        if (fd.get() >= 0) set_timeouts(fd.get(), timeout);
        if (fd.get() >= 0 && ::connect(fd.get(), ai->ai_addr, ai->ai_addrlen) == 0) return fd.release();
        why = errno == EINPROGRESS ? "no answer within " + std::to_string(timeout.count()) + " ms"
                                   : std::generic_category().message(errno);
    }
    throw MailError(prefix + "cannot connect: " + why);
}

// Whether the accepted loopback connection comes from one of this
// process's own descriptors (the one libesmtp just connected): another
// local user racing to the port is turned away.
bool connection_is_ours(const sockaddr_in& peer, int listen_port) {
    std::error_code ignored;
    for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd", ignored)) {
        const int fd = std::atoi(entry.path().filename().c_str());
        sockaddr_in local{}, remote{};
        socklen_t local_len = sizeof local, remote_len = sizeof remote;
        if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len) == 0 && local.sin_family == AF_INET &&
            local.sin_port == peer.sin_port && local.sin_addr.s_addr == peer.sin_addr.s_addr &&
            getpeername(fd, reinterpret_cast<sockaddr*>(&remote), &remote_len) == 0 && ntohs(remote.sin_port) == listen_port)
            return true;
    }
    return false;
}

}  // namespace

// No lock: the callbacks run in handshakes, in the sending thread (libesmtp's
// STARTTLS, the relay's constructor) or, for a renegotiation, in the relay's
// thread while the sending thread waits in finish() to join it.
struct TlsClient::Impl {
    std::string host;
    SSL_CTX* ctx = nullptr;
    bool host_is_ip = false;
    std::string verify_error;
    std::string refuse;  // fail the next handshake, for this reason

    ~Impl() { SSL_CTX_free(ctx); }
    static Impl* of(const SSL* ssl) { return ssl ? static_cast<Impl*>(SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl))) : nullptr; }

    // Keeps the first reason a certificate was refused, for the error message.
    static int on_verify(int ok, X509_STORE_CTX* store) {
        Impl* self = of(static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx())));
        if (!self) return ok;
        if (!self->refuse.empty()) {
            self->verify_error = std::exchange(self->refuse, "");
            return 0;
        }
        if (ok || !self->verify_error.empty()) return ok;
        int error = X509_STORE_CTX_get_error(store);
        self->verify_error = X509_verify_cert_error_string(error);
        if (error == X509_V_ERR_HOSTNAME_MISMATCH || error == X509_V_ERR_IP_ADDRESS_MISMATCH)
            self->verify_error += " (the certificate is not for " + self->host + ")";
        return ok;
    }

    // libesmtp makes its SSL from our context without a server name: SNI
    // is set here, as each handshake starts (a server with several names
    // picks its certificate by it), for the relay's too.
    static void on_info(const SSL* ssl, int where, int) {
        Impl* self = of(ssl);
        if ((where & SSL_CB_HANDSHAKE_START) && self && !self->host_is_ip && !SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name))
            SSL_set_tlsext_host_name(const_cast<SSL*>(ssl), self->host.c_str());
    }
};

TlsClient::TlsClient(const std::string& host) : impl_(std::make_unique<Impl>(host)) {
    Impl& t = *impl_;
    t.ctx = SSL_CTX_new(TLS_client_method());  // once Impl, which frees it, exists
    X509_VERIFY_PARAM* param = t.ctx ? SSL_CTX_get0_param(t.ctx) : nullptr;
    t.host_is_ip = param && X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str()) == 1;  // else a DNS name
    // Capped at TLS 1.2 for libesmtp 1.1.0 (the relay lifts the cap on its
    // SSL), which loses STARTTLS sessions under TLS 1.3: polling for read and
    // write at once after the handshake, it finds the server's session tickets
    // readable before EHLO has gone out, and SSL_read (no data) leaves it
    // waiting for a reply to a command never sent (protocol.c do_session,
    // siobuf.c raw_read/sio_sslpoll; unfixed upstream; see tests/integration/test_mail.py).
    if (!param || SSL_CTX_set_min_proto_version(t.ctx, TLS1_2_VERSION) != 1 ||
        SSL_CTX_set_max_proto_version(t.ctx, TLS1_2_VERSION) != 1 ||
        (!t.host_is_ip && X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size()) != 1))
        throw MailError("TLS setup failed: " + openssl_errors());
    if (SSL_CTX_set_default_verify_paths(t.ctx) != 1)
        throw MailError("cannot load the system CA certificates: " + openssl_errors());
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    SSL_CTX_set_verify(t.ctx, SSL_VERIFY_PEER, &Impl::on_verify);
    SSL_CTX_set_info_callback(t.ctx, &Impl::on_info);
    SSL_CTX_set_app_data(t.ctx, &t);
}

bool TlsClient::use_for_starttls(smtp_session* session) const {
    // libesmtp 1.1.0 takes a reference of its own (and frees it with the
    // session); called once per session, never with NULL.
    return smtp_starttls_set_ctx(session, impl_->ctx) && smtp_starttls_enable(session, Starttls_REQUIRED);
}

TlsClient::~TlsClient() = default;
void TlsClient::refuse_next_handshake(const std::string& why) { impl_->verify_error.clear(), impl_->refuse = why; }
const std::string& TlsClient::verify_error() const { return impl_->verify_error; }

struct ImplicitTlsRelay::Impl {
    std::string prefix;
    // A whole session gets six step timeouts: ample for its ten or so round trips of milliseconds.
    milliseconds timeout, limit = timeout * 6;
    Clock::time_point deadline = Clock::now() + limit;
    Fd upstream, listener, wake;  // wake: an eventfd finish() writes to
    SSL* ssl = nullptr;
    int local_port = 0;
    std::string reason;  // written by the thread, read after joining it
    std::thread thread;

    ~Impl() { SSL_free(ssl); }
    void run();
};

ImplicitTlsRelay::ImplicitTlsRelay(const TlsClient& tls, const std::string& host, int port, const std::string& prefix,
                                   int timeout_ms)
    : impl_(std::make_unique<Impl>(prefix, milliseconds(timeout_ms))) {
    Impl& r = *impl_;
    r.upstream.reset(connect_tcp(host, port, prefix, r.timeout));
    ERR_clear_error();
    r.ssl = SSL_new(tls.impl_->ctx);
    // TLS 1.3 allowed here. Without AUTO_RETRY, SSL_read returns after a
    // record that is not data (a session ticket) instead of blocking.
    if (!r.ssl || SSL_set_max_proto_version(r.ssl, 0) != 1 || SSL_set_fd(r.ssl, r.upstream.get()) != 1)
        throw MailError("TLS setup failed: " + openssl_errors());
    SSL_clear_mode(r.ssl, SSL_MODE_AUTO_RETRY);
    // The handshake within `timeout` as a whole, not read by read (a server
    // sending a byte at a time would stretch it without end): non-blocking
    // for it, blocking again after (connect_tcp set no other status flag).
    ::fcntl(r.upstream.get(), F_SETFL, O_NONBLOCK);
    const auto until = Clock::now() + r.timeout;
    int rc = 0, error = SSL_ERROR_NONE;
    while ((rc = SSL_connect(r.ssl)) != 1) {
        error = SSL_get_error(r.ssl, rc);
        if (error != SSL_ERROR_WANT_READ && error != SSL_ERROR_WANT_WRITE) break;
        pollfd p{r.upstream.get(), static_cast<short>(error == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT), 0};
        if (::poll(&p, 1, ms_until(until)) <= 0) break;
    }
    ::fcntl(r.upstream.get(), F_SETFL, 0);
    if (rc != 1 && !tls.verify_error().empty()) throw MailError(prefix + "certificate refused: " + tls.verify_error());
    if (rc != 1)
        throw MailError(prefix + "TLS handshake failed (is MAIL_SSL_TLS right for this port?): " +
                        (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE
                             ? "no answer within " + std::to_string(timeout_ms) + " ms"
                         : error == SSL_ERROR_SYSCALL && ERR_peek_error() == 0 ? "the connection was closed"
                                                                                : openssl_errors()));
    r.listener.reset(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    r.wake.reset(::eventfd(0, EFD_CLOEXEC));
    sockaddr_in address{.sin_family = AF_INET, .sin_port = 0, .sin_addr = {htonl(INADDR_LOOPBACK)}, .sin_zero = {}};
    socklen_t len = sizeof address;
    if (r.listener.get() < 0 || ::bind(r.listener.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(r.listener.get(), 1) != 0 || ::getsockname(r.listener.get(), reinterpret_cast<sockaddr*>(&address), &len) != 0 ||
        r.wake.get() < 0)
        throw MailError("mail relay: cannot listen on 127.0.0.1: " + std::generic_category().message(errno));
    r.local_port = ntohs(address.sin_port);
    r.thread = std::thread([&r] { r.run(); });
}

ImplicitTlsRelay::~ImplicitTlsRelay() { finish(); }
int ImplicitTlsRelay::port() const { return impl_->local_port; }

std::string ImplicitTlsRelay::finish() {
    eventfd_write(impl_->wake.get(), 1);
    if (impl_->thread.joinable()) impl_->thread.join();
    return impl_->reason;
}

// The copy (see tls.hh), also ended by finish() when libesmtp never came.
// The sockets block, each call within `timeout`: a copy is a few hundred bytes.
void ImplicitTlsRelay::Impl::run() {
    Fd client;
    char buf[16384];
    for (;;) {
        const bool accepting = client.get() < 0;
        pollfd fds[3] = {{accepting ? listener.get() : client.get(), POLLIN, 0},
                         {accepting ? -1 : upstream.get(), POLLIN, 0},
                         {wake.get(), POLLIN, 0}};
        if (accepting || SSL_pending(ssl) == 0) ::poll(fds, 3, ms_until(deadline));
        if (fds[2].revents) return;  // finish()
        if (Clock::now() >= deadline) break;  // the only break: every other end returns
        if (accepting) {
            sockaddr_in peer{};
            socklen_t len = sizeof peer;
            Fd fd(fds[0].revents ? ::accept4(listener.get(), reinterpret_cast<sockaddr*>(&peer), &len, SOCK_CLOEXEC) : -1);
            if (fd.get() >= 0 && connection_is_ours(peer, local_port)) client.reset(fd.release()), listener.reset();
            if (client.get() >= 0) set_timeouts(client.get(), timeout);
            continue;
        }
        if (fds[0].revents) {
            ssize_t n = ::recv(client.get(), buf, sizeof buf, 0);
            if (n == 0) SSL_shutdown(ssl);  // libesmtp is done: a close_notify, best effort
            if (n <= 0 || SSL_write(ssl, buf, static_cast<int>(n)) <= 0) return;
        }
        if (fds[1].revents || SSL_pending(ssl) > 0) {
            int n = SSL_read(ssl, buf, sizeof buf);
            int error = n > 0 ? SSL_ERROR_NONE : SSL_get_error(ssl, n);
            if (error == SSL_ERROR_WANT_READ) continue;  // not data
            if (error != SSL_ERROR_NONE || ::send(client.get(), buf, static_cast<std::size_t>(n), MSG_NOSIGNAL) != n) return;
        }
    }
    reason = prefix + "the session took longer than its limit of " + std::to_string(limit.count()) + " ms and was cut off";
}

}  // namespace auth::smtp
