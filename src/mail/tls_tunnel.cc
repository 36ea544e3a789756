#include "mail/tls_tunnel.hh"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <vector>

#include "mail/mailer.hh"

namespace auth::mail {

namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;

// Milliseconds left until `deadline` for poll(): at least 0, rounded up so
// that a poll never wakes a hair before the deadline and spins.
int ms_until(Clock::time_point deadline) {
    auto left = deadline - Clock::now();
    if (left <= Clock::duration::zero()) return 0;
    auto ms = duration_cast<milliseconds>(left).count() + 1;
    return ms > 1'000'000'000 ? 1'000'000'000 : static_cast<int>(ms);
}

std::string errno_text(int error) {
    char buf[256];
    // GNU strerror_r returns the message (which may not be buf).
    return strerror_r(error, buf, sizeof buf);
}

std::string describe(const std::string& host, int port) {
    bool ipv6 = host.find(':') != std::string::npos;
    return (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

bool same_address(const sockaddr_storage& a, const sockaddr_storage& b) {
    if (a.ss_family != b.ss_family) return false;
    if (a.ss_family == AF_INET) {
        const auto& x = reinterpret_cast<const sockaddr_in&>(a);
        const auto& y = reinterpret_cast<const sockaddr_in&>(b);
        return x.sin_port == y.sin_port && x.sin_addr.s_addr == y.sin_addr.s_addr;
    }
    return false;
}

// Whether the socket at the other end of an accepted loopback connection is
// one of this process's own descriptors (the one libesmtp just connected):
// another local user racing to the port is turned away.
bool connection_is_ours(const sockaddr_storage& peer, int listen_port) {
    auto is_ours = [&](int fd) {
        sockaddr_storage local{}, remote{};
        socklen_t len = sizeof local;
        if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len) != 0 || !same_address(local, peer)) return false;
        len = sizeof remote;
        if (getpeername(fd, reinterpret_cast<sockaddr*>(&remote), &len) != 0 || remote.ss_family != AF_INET)
            return false;
        return ntohs(reinterpret_cast<const sockaddr_in&>(remote).sin_port) == listen_port;
    };
    if (DIR* dir = opendir("/proc/self/fd")) {
        bool found = false;
        while (dirent* entry = readdir(dir)) {
            char* end = nullptr;
            long fd = std::strtol(entry->d_name, &end, 10);
            if (end == entry->d_name || *end != '\0' || fd == dirfd(dir)) continue;
            if (is_ours(static_cast<int>(fd))) {
                found = true;
                break;
            }
        }
        closedir(dir);
        return found;
    }
    long max = sysconf(_SC_OPEN_MAX);
    if (max < 0 || max > 65536) max = 65536;
    for (int fd = 0; fd < max; ++fd)
        if (is_ours(fd)) return true;
    return false;
}

}  // namespace

void UniqueFd::reset(int fd) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
}

SigpipeBlock::SigpipeBlock() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set, &old_);
    sigset_t pending;
    sigemptyset(&pending);
    was_pending_ = sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1;
}

SigpipeBlock::~SigpipeBlock() {
    if (!was_pending_) {
        sigset_t pending;
        sigemptyset(&pending);
        if (sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1) {
            sigset_t set;
            sigemptyset(&set);
            sigaddset(&set, SIGPIPE);
            timespec zero{0, 0};
            while (sigtimedwait(&set, nullptr, &zero) == SIGPIPE) {
            }
        }
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
}

UniqueFd connect_tcp(const std::string& host, int port, milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    const std::string where = describe(host, port);
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* list = nullptr;
    const std::string service = std::to_string(port);
    int rc = getaddrinfo(host.c_str(), service.c_str(), &hints, &list);
    if (rc != 0) throw MailError("cannot resolve mail server " + where + ": " + gai_strerror(rc));
    std::unique_ptr<addrinfo, void (*)(addrinfo*)> owner(list, freeaddrinfo);

    std::string last_error = "no address";
    for (addrinfo* ai = list; ai; ai = ai->ai_next) {
        if (Clock::now() >= deadline) break;
        UniqueFd fd(::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol));
        if (!fd) {
            last_error = errno_text(errno);
            continue;
        }
        if (::connect(fd.get(), ai->ai_addr, ai->ai_addrlen) == 0) return fd;
        if (errno != EINPROGRESS && errno != EINTR) {
            last_error = errno_text(errno);
            continue;
        }
        pollfd p{fd.get(), POLLOUT, 0};
        int n;
        do {
            n = ::poll(&p, 1, ms_until(deadline));
        } while (n < 0 && errno == EINTR);
        if (n == 0) {
            last_error = "no answer within " + std::to_string(timeout.count()) + " ms";
            break;
        }
        int error = 0;
        socklen_t len = sizeof error;
        if (n < 0) error = errno;
        else if (getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &error, &len) != 0) error = errno;
        if (error == 0) return fd;
        last_error = errno_text(error);
    }
    if (Clock::now() >= deadline) last_error = "no answer within " + std::to_string(timeout.count()) + " ms";
    throw MailError("cannot connect to mail server " + where + ": " + last_error);
}

std::string openssl_errors() {
    std::string out;
    while (unsigned long e = ERR_get_error()) {
        char buf[256];
        ERR_error_string_n(e, buf, sizeof buf);
        if (!out.empty()) out += "; ";
        out += buf;
    }
    return out.empty() ? "unknown TLS error" : out;
}

TlsClientContext::TlsClientContext(const std::string& host) : host_(host) {
    ctx_ = SSL_CTX_new(TLS_client_method());
    if (!ctx_) throw MailError("TLS setup failed: " + openssl_errors());
    auto fail = [this](const std::string& what) {
        std::string message = what + ": " + openssl_errors();
        SSL_CTX_free(ctx_);
        ctx_ = nullptr;
        throw MailError(message);
    };
    if (SSL_CTX_set_min_proto_version(ctx_, TLS1_2_VERSION) != 1) fail("TLS setup failed");
    if (SSL_CTX_set_default_verify_paths(ctx_) != 1) fail("cannot load the system CA certificates");
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, verify_callback);
    X509_VERIFY_PARAM* param = SSL_CTX_get0_param(ctx_);
    unsigned char addr[sizeof(in6_addr)];
    host_is_ip_ = inet_pton(AF_INET, host.c_str(), addr) == 1 || inet_pton(AF_INET6, host.c_str(), addr) == 1;
    if (host_is_ip_) {
        if (X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str()) != 1) fail("TLS setup failed");
    } else {
        X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
        if (X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size()) != 1) fail("TLS setup failed");
    }
    SSL_CTX_set_app_data(ctx_, this);
}

TlsClientContext::~TlsClientContext() {
    if (ctx_) SSL_CTX_free(ctx_);
}

std::string TlsClientContext::verify_error() const {
    std::lock_guard lock(mutex_);
    return verify_error_;
}

void TlsClientContext::record(const std::string& error) {
    std::lock_guard lock(mutex_);
    if (verify_error_.empty()) verify_error_ = error;
}

int TlsClientContext::verify_callback(int ok, X509_STORE_CTX* store) {
    if (ok) return ok;
    auto* ssl = static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
    auto* self = ssl ? static_cast<TlsClientContext*>(SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl))) : nullptr;
    if (self) {
        int error = X509_STORE_CTX_get_error(store);
        std::string text = X509_verify_cert_error_string(error);
        if (error == X509_V_ERR_HOSTNAME_MISMATCH || error == X509_V_ERR_IP_ADDRESS_MISMATCH)
            text += " (the certificate is not for " + self->host_ + ")";
        self->record(text);
    }
    return ok;
}

MailRelay::MailRelay(const std::string& host, int port, RelayMode mode, const TlsClientContext* tls,
                     milliseconds timeout, milliseconds session_limit)
    : host_(describe(host, port)),
      timeout_(timeout),
      session_limit_(session_limit),
      deadline_(Clock::now() + session_limit) {
    upstream_ = connect_tcp(host, port, timeout);
    if (mode != RelayMode::Plain && !tls) throw MailError("mail relay: TLS mode without a TLS context");
    if (mode == RelayMode::StartTls) starttls(timeout);
    if (mode != RelayMode::Plain) handshake(*tls, timeout);

    listener_ = UniqueFd(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!listener_) throw MailError("mail relay: socket: " + errno_text(errno));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    socklen_t len = sizeof address;
    if (::bind(listener_.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(listener_.get(), 1) != 0 ||
        ::getsockname(listener_.get(), reinterpret_cast<sockaddr*>(&address), &len) != 0)
        throw MailError("mail relay: cannot listen on 127.0.0.1: " + errno_text(errno));
    local_port_ = ntohs(address.sin_port);

    int pipe_fds[2];
    if (::pipe2(pipe_fds, O_NONBLOCK | O_CLOEXEC) != 0) throw MailError("mail relay: pipe: " + errno_text(errno));
    wake_read_ = UniqueFd(pipe_fds[0]);
    wake_write_ = UniqueFd(pipe_fds[1]);
    thread_ = std::thread([this] { run(); });
}

namespace {

struct Reply {
    int code = 0;
    std::string text;                  // the last line's text, cleaned
    std::vector<std::string> keywords;  // first word of each line (EHLO extensions)
};

std::string printable(std::string_view text) {
    std::string out;
    for (char c : text.substr(0, 200)) out += (c >= 0x20 && c < 0x7f) ? c : ' ';
    return out;
}

// Reads one SMTP reply (all its lines) from a non-blocking socket; `what`
// names it in errors ("greeting", "reply to EHLO").
Reply read_reply(int fd, std::string& in, Clock::time_point deadline, const std::string& where, const std::string& what,
                 milliseconds timeout) {
    const std::string prefix = "mail server " + where + ": ";
    Reply reply;
    while (true) {
        auto eol = in.find("\r\n");
        if (eol == std::string::npos) {
            if (in.size() > 65536) throw MailError(prefix + what + " too long");
            pollfd p{fd, POLLIN, 0};
            int n = ::poll(&p, 1, ms_until(deadline));
            if (n == 0) throw MailError(prefix + "no " + what + " within " + std::to_string(timeout.count()) + " ms");
            if (n < 0 && errno != EINTR) throw MailError(prefix + errno_text(errno));
            char buf[4096];
            ssize_t got = ::recv(fd, buf, sizeof buf, 0);
            if (got == 0) throw MailError(prefix + "closed the connection (waiting for the " + what + ")");
            if (got < 0) {
                if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) continue;
                throw MailError(prefix + errno_text(errno));
            }
            in.append(buf, static_cast<std::size_t>(got));
            continue;
        }
        std::string line = in.substr(0, eol);
        in.erase(0, eol + 2);
        if (line.size() < 3 || !std::isdigit(static_cast<unsigned char>(line[0])) ||
            !std::isdigit(static_cast<unsigned char>(line[1])) || !std::isdigit(static_cast<unsigned char>(line[2])) ||
            (line.size() > 3 && line[3] != ' ' && line[3] != '-'))
            throw MailError(prefix + "not an SMTP " + what + ": " + printable(line));
        int code = std::stoi(line.substr(0, 3));
        if (reply.code != 0 && code != reply.code) throw MailError(prefix + "inconsistent " + what);
        reply.code = code;
        std::string text = line.size() > 4 ? line.substr(4) : "";
        reply.keywords.push_back(text.substr(0, text.find(' ')));
        reply.text = printable(text);
        if (line.size() == 3 || line[3] == ' ') return reply;
    }
}

void send_all(int fd, const std::string& data, Clock::time_point deadline, const std::string& where) {
    std::size_t done = 0;
    while (done < data.size()) {
        ssize_t n = ::send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
        if (n > 0) {
            done += static_cast<std::size_t>(n);
            continue;
        }
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            throw MailError("mail server " + where + ": " + errno_text(errno));
        pollfd p{fd, POLLOUT, 0};
        if (::poll(&p, 1, ms_until(deadline)) == 0) throw MailError("mail server " + where + ": write timed out");
    }
}

// The name libesmtp also says EHLO with (the node name), if it is a
// plausible domain; an address literal otherwise.
std::string ehlo_name() {
    utsname name{};
    if (uname(&name) == 0 && name.nodename[0]) {
        std::string node = name.nodename;
        bool ok = node.size() < 254;
        for (char c : node) ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.');
        if (ok) return node;
    }
    return "[127.0.0.1]";
}

}  // namespace

void MailRelay::starttls(milliseconds timeout) {
    const int fd = upstream_.get();
    std::string in;
    auto step = [&] { return std::min(Clock::now() + timeout, deadline_); };
    auto quit = [&] {
        try {
            send_all(fd, "QUIT\r\n", Clock::now() + milliseconds(200), host_);
        } catch (const MailError&) {
        }
    };
    Reply greeting = read_reply(fd, in, step(), host_, "greeting", timeout);
    if (greeting.code != 220)
        throw MailError("mail server " + host_ + ": refused the session: " + std::to_string(greeting.code) + " " +
                        greeting.text);
    send_all(fd, "EHLO " + ehlo_name() + "\r\n", step(), host_);
    Reply ehlo = read_reply(fd, in, step(), host_, "reply to EHLO", timeout);
    bool offered = false;
    for (std::string keyword : ehlo.keywords) {
        for (char& c : keyword) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        offered = offered || keyword == "STARTTLS";
    }
    if (ehlo.code / 100 != 2 || !offered) {
        quit();
        throw MailError("mail server " + host_ +
                        ": does not offer STARTTLS (MAIL_STARTTLS=True requires it); nothing was sent");
    }
    send_all(fd, "STARTTLS\r\n", step(), host_);
    Reply go = read_reply(fd, in, step(), host_, "reply to STARTTLS", timeout);
    if (go.code != 220) {
        quit();
        throw MailError("mail server " + host_ + ": refused STARTTLS: " + std::to_string(go.code) + " " + go.text);
    }
    // Anything after the 220 arrived in plaintext and would be taken as
    // coming from inside TLS (CVE-2011-0411 style injection): refuse.
    if (!in.empty()) throw MailError("mail server " + host_ + ": sent data after agreeing to STARTTLS");
    greeting_ = "220 " + host_ + " ESMTP (relayed after STARTTLS)\r\n";
}

void MailRelay::handshake(const TlsClientContext& tls, milliseconds timeout) {
    const auto until = std::min(Clock::now() + timeout, deadline_);
    ERR_clear_error();
    ssl_.reset(SSL_new(tls.get()));
    if (!ssl_ || SSL_set_fd(ssl_.get(), upstream_.get()) != 1) throw MailError("TLS setup failed: " + openssl_errors());
    // The relay retries writes from a buffer that may move as it grows.
    SSL_set_mode(ssl_.get(), SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_ENABLE_PARTIAL_WRITE);
    if (!tls.host_is_ip() && SSL_set_tlsext_host_name(ssl_.get(), tls.host().c_str()) != 1)
        throw MailError("TLS setup failed: " + openssl_errors());
    while (true) {
        int rc = SSL_connect(ssl_.get());
        if (rc == 1) break;
        int error = SSL_get_error(ssl_.get(), rc);
        short events = error == SSL_ERROR_WANT_READ ? POLLIN : error == SSL_ERROR_WANT_WRITE ? POLLOUT : 0;
        if (events == 0) {
            ssl_clean_ = false;
            std::string why = tls.verify_error();
            if (!why.empty()) throw MailError("mail server " + host_ + ": certificate refused: " + why);
            std::string detail = error == SSL_ERROR_SYSCALL && ERR_peek_error() == 0 ? "the connection was closed"
                                                                                      : openssl_errors();
            throw MailError("mail server " + host_ + ": TLS handshake failed (is MAIL_SSL_TLS/MAIL_STARTTLS right for "
                            "this port?): " + detail);
        }
        pollfd p{upstream_.get(), events, 0};
        int n = ::poll(&p, 1, ms_until(until));
        if (n == 0)
            throw MailError("mail server " + host_ + ": TLS handshake took longer than " +
                            std::to_string(timeout.count()) + " ms");
        if (n < 0 && errno != EINTR)
            throw MailError("mail server " + host_ + ": TLS handshake failed: " + errno_text(errno));
    }
    ERR_clear_error();
}

MailRelay::~MailRelay() { finish(); }

void MailRelay::abort() {
    stop_.store(true);
    if (wake_write_) {
        char byte = 1;
        [[maybe_unused]] auto n = ::write(wake_write_.get(), &byte, 1);
    }
}

std::string MailRelay::finish() {
    abort();
    if (thread_.joinable()) thread_.join();
    std::lock_guard lock(mutex_);
    return reason_;
}

void MailRelay::note(const std::string& reason) {
    std::lock_guard lock(mutex_);
    if (reason_.empty()) reason_ = reason;
}

void MailRelay::run() {
    SigpipeBlock no_sigpipe;
    const auto accept_deadline = std::min(Clock::now() + timeout_, deadline_);
    UniqueFd client;
    while (!client) {
        if (stop_.load()) return;
        if (Clock::now() >= accept_deadline) {
            note("mail relay: libesmtp did not connect within " + std::to_string(timeout_.count()) + " ms");
            return;
        }
        pollfd fds[2] = {{listener_.get(), POLLIN, 0}, {wake_read_.get(), POLLIN, 0}};
        int n = ::poll(fds, 2, ms_until(accept_deadline));
        if (n <= 0 || !(fds[0].revents & POLLIN)) continue;
        sockaddr_storage peer{};
        socklen_t len = sizeof peer;
        UniqueFd fd(::accept4(listener_.get(), reinterpret_cast<sockaddr*>(&peer), &len, SOCK_NONBLOCK | SOCK_CLOEXEC));
        if (fd && connection_is_ours(peer, local_port_)) client = std::move(fd);
    }
    listener_.reset();
    pump(client.get());
    if (ssl_ && ssl_clean_) SSL_shutdown(ssl_.get());  // best effort close_notify, never waits
    client.reset();
    upstream_.reset();
}

void MailRelay::pump(int client) {
    constexpr std::size_t kBuffer = 16384;
    std::string up, down = std::move(greeting_);  // client -> server, server -> client
    char buf[kBuffer];
    bool client_open = true, server_open = true;
    SSL* ssl = ssl_.get();
    while (true) {
        if (stop_.load()) return;
        if (Clock::now() >= deadline_) {
            note("mail server " + host_ + ": the session took longer than its limit of " +
                 std::to_string(session_limit_.count()) + " ms and was cut off");
            return;
        }
        bool progress = false;
        short server_events = 0, client_events = 0;

        if (client_open && up.size() < kBuffer) {
            ssize_t n = ::recv(client, buf, kBuffer - up.size(), 0);
            if (n > 0) {
                up.append(buf, static_cast<std::size_t>(n));
                progress = true;
            } else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
                client_open = false;
                progress = true;
            } else {
                client_events |= POLLIN;
            }
        }
        // abort() may have been called just before libesmtp wrote what we
        // have just read: check again before it can reach the server.
        if (stop_.load()) return;

        if (!up.empty()) {
            if (ssl) {
                int n = SSL_write(ssl, up.data(), static_cast<int>(up.size()));
                if (n > 0) {
                    up.erase(0, static_cast<std::size_t>(n));
                    progress = true;
                } else {
                    int error = SSL_get_error(ssl, n);
                    if (error == SSL_ERROR_WANT_READ) server_events |= POLLIN;
                    else if (error == SSL_ERROR_WANT_WRITE) server_events |= POLLOUT;
                    else {
                        ssl_clean_ = false;
                        return;
                    }
                }
            } else {
                ssize_t n = ::send(upstream_.get(), up.data(), up.size(), MSG_NOSIGNAL);
                if (n > 0) {
                    up.erase(0, static_cast<std::size_t>(n));
                    progress = true;
                } else if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
                    server_events |= POLLOUT;
                } else {
                    return;
                }
            }
        }

        if (server_open && down.size() < kBuffer) {
            if (ssl) {
                int n = SSL_read(ssl, buf, static_cast<int>(kBuffer - down.size()));
                if (n > 0) {
                    down.append(buf, static_cast<std::size_t>(n));
                    progress = true;
                } else {
                    int error = SSL_get_error(ssl, n);
                    if (error == SSL_ERROR_WANT_READ) server_events |= POLLIN;
                    else if (error == SSL_ERROR_WANT_WRITE) server_events |= POLLOUT;
                    else {
                        if (error != SSL_ERROR_ZERO_RETURN) ssl_clean_ = false;
                        server_open = false;
                        progress = true;
                    }
                }
            } else {
                ssize_t n = ::recv(upstream_.get(), buf, kBuffer - down.size(), 0);
                if (n > 0) {
                    down.append(buf, static_cast<std::size_t>(n));
                    progress = true;
                } else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
                    server_open = false;
                    progress = true;
                } else {
                    server_events |= POLLIN;
                }
            }
        }

        if (!down.empty()) {
            ssize_t n = ::send(client, down.data(), down.size(), MSG_NOSIGNAL);
            if (n > 0) {
                down.erase(0, static_cast<std::size_t>(n));
                progress = true;
            } else if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
                client_events |= POLLOUT;
            } else {
                return;
            }
        }

        if (!client_open && up.empty()) return;   // libesmtp is done and all it said was passed on
        if (!server_open && down.empty()) return;  // the server hung up and all it said was passed on
        if (progress) continue;

        pollfd fds[3] = {{client_events ? client : -1, client_events, 0},
                         {server_events ? upstream_.get() : -1, server_events, 0},
                         {wake_read_.get(), POLLIN, 0}};
        ::poll(fds, 3, ms_until(deadline_));
    }
}

}  // namespace auth::mail
