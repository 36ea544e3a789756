#include "smtp/smtp_mailer.hh"

#include <signal.h>
#include <stdarg.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <mutex>
#include <string_view>
#include <type_traits>
#include <vector>

#include "core/config.hh"
#include "core/log.hh"
#include "core/validate.hh"
#include "smtp/tls.hh"

#include <cstddef>
// auth-client.h must come before libesmtp.h (it declares auth_context_t).
#include <auth-client.h>
#include <libesmtp.h>

namespace auth {

namespace {

using Scope = MailError::Scope;

// The relay (implicit TLS) cuts a whole session off after this many step
// timeouts: a session is about ten round trips of milliseconds each.
constexpr int kSessionLimitSteps = 6;
// libesmtp's PLAIN plugin copies user and password into buffers of 255
// bytes each: longer ones are refused here rather than cut.
constexpr std::size_t kMaxCredential = 255;

template <auto Free>
struct Deleter {
    template <typename T>
    void operator()(T* p) const { Free(p); }
};
using Session = std::unique_ptr<std::remove_pointer_t<smtp_session_t>, Deleter<smtp_destroy_session>>;
using AuthContext = std::unique_ptr<std::remove_pointer_t<auth_context_t>, Deleter<auth_destroy_context>>;

// "550 text": the server's text made fit for a log line (printable ASCII, bounded).
std::string status_text(const smtp_status_t* s) {
    std::string out = std::to_string(s->code) + " ";
    for (const char* p = s->text; p && *p && out.size() < 200; ++p) out += (*p >= 0x20 && *p < 0x7f) ? *p : ' ';
    while (out.back() == ' ') out.pop_back();
    return out;
}

bool is_2xx(const smtp_status_t* s) { return s && s->code >= 200 && s->code < 300; }

// An envelope address: what build_message puts in From/To, nothing else.
std::string envelope_address(const std::string& address, const char* what) {
    for (unsigned char c : address)
        if (c <= 0x20 || c >= 0x7f || std::string_view(",<>;\"()\\").find(static_cast<char>(c)) != std::string_view::npos)
            throw MailError(std::string("the ") + what + " address is not a plain email address", Scope::Message, true);
    auto normal = normalize_email(address);
    if (!normal) throw MailError(std::string("the ") + what + " address is not a plain email address", Scope::Message, true);
    return *normal;
}

// libesmtp dot-stuffs and finds the end of the headers only with CRLF.
void check_message(const std::string& message) {
    auto refuse = [](const char* why) { throw MailError(why, Scope::Message, true); };
    if (message.empty() || message.size() > 16 * 1024 * 1024) refuse("the message is empty or too large");
    for (std::size_t i = 0; i < message.size(); ++i) {
        char c = message[i];
        if (c == '\0') refuse("the message contains a NUL byte");
        if (c == '\r' && (i + 1 == message.size() || message[i + 1] != '\n'))
            refuse("the message has a bare CR: line endings must be CRLF");
        if (c == '\n' && (i == 0 || message[i - 1] != '\r')) refuse("the message has a bare LF: line endings must be CRLF");
    }
}

// libesmtp has no connect timeout: a host that drops packets would hold a
// run for minutes. This timer sends SIGALRM to this thread only (not to the
// relay's or any other), with a handler installed without SA_RESTART, so a
// blocking connect() returns EINTR and libesmtp gives up on that address.
// Disarmed once connected: libesmtp's reads and writes have their timeouts.
class ConnectTimer {
public:
    explicit ConnectTimer(int ms) {
        struct sigaction quiet {};
        quiet.sa_handler = [](int) {};
        sigemptyset(&quiet.sa_mask);
        sigevent ev{};
        ev.sigev_notify = SIGEV_THREAD_ID;
        ev.sigev_signo = SIGALRM;
        ev._sigev_un._tid = gettid();
        if (timer_create(CLOCK_MONOTONIC, &ev, &timer_) != 0) throw MailError("cannot create a timer for connecting");
        sigaction(SIGALRM, &quiet, &old_);
        itimerspec when{{0, 0}, {ms / 1000, (ms % 1000) * 1000000L}};
        timer_settime(timer_, 0, &when, nullptr);
    }
    ~ConnectTimer() {
        timer_delete(timer_);
        sigaction(SIGALRM, &old_, nullptr);
    }
    ConnectTimer(const ConnectTimer&) = delete;
    ConnectTimer& operator=(const ConnectTimer&) = delete;
    void disarm() {
        itimerspec zero{};
        timer_settime(timer_, 0, &zero, nullptr);
    }

private:
    timer_t timer_{};
    struct sigaction old_ {};
};

struct Events {
    ConnectTimer* timer;
    smtp::TlsClient* tls;
    bool connected = false, starttls_missing = false, tls_up = false;
    int starttls = 0;  // 1: "STARTTLS" written; 2: the read with the end of its reply's first line seen
};

// The STARTTLS response-injection guard, a byte check (no SMTP parsing).
// libesmtp 1.1 keeps whatever it has read past the reply to STARTTLS and
// takes it later as if it had come inside TLS: a man in the middle could
// inject replies. send() refuses the handshake in advance; this takes the
// refusal back only if, once "STARTTLS\r\n" has gone out, the first read
// that holds an LF ends with that LF. Bytes after it came in plaintext; a
// handshake before such a read means the reply was in libesmtp's buffer
// before the command was sent (it then starts TLS without flushing it). A
// multi-line reply to STARTTLS ("220-...") is refused too: practically
// unknown. Installed only with STARTTLS; it sees AUTH, and keeps nothing.
extern "C" void on_monitor(const char* buf, int len, int writing, void* arg) {
    auto& e = *static_cast<Events*>(arg);
    std::string_view bytes(buf ? buf : "", buf && len > 0 ? static_cast<std::size_t>(len) : 0);
    if (writing == SMTP_CB_WRITING && e.starttls == 0 && bytes == "STARTTLS\r\n") {
        e.starttls = 1;
    } else if (writing == SMTP_CB_READING && e.starttls == 1 && bytes.find('\n') != std::string_view::npos) {
        e.starttls = 2;
        e.tls->refuse_next_handshake(bytes.find('\n') + 1 < bytes.size()
                                         ? "the server sent data in plaintext after agreeing to STARTTLS"
                                         : "");
    }
}

extern "C" void on_event(smtp_session_t, int event, void* arg, ...) {
    auto& e = *static_cast<Events*>(arg);
    va_list ap;
    va_start(ap, arg);
    if (event == SMTP_EV_CONNECT) {
        e.connected = true;
        e.timer->disarm();
        // smtp_errno() keeps its value until libesmtp sets another: a call
        // refused on purpose sets SMTP_ERR_INVAL, which no session step
        // sets, so what it says after the session is about this one.
        smtp_set_server(nullptr, nullptr);
    } else if (event == SMTP_EV_EXTNA_STARTTLS) {
        e.starttls_missing = true;
    } else if (event == SMTP_EV_STARTTLS_OK) {
        e.tls_up = true;
    } else if (event == SMTP_EV_WRONG_PEER_CERTIFICATE) {
        // OpenSSL already checked the name (SSL_VERIFY_PEER with the host
        // or IP address set, see TlsClient) or the handshake would have
        // failed; libesmtp's own check knows no IP addresses. Every other
        // certificate doubt keeps libesmtp's "no".
        if (int* ok = va_arg(ap, int*)) *ok = 1;
    }
    va_end(ap);
}

struct Credentials {
    const std::string& username;
    const std::string& password;
};

extern "C" int on_interact(auth_client_request_t request, char** result, int fields, void* arg) {
    const auto& c = *static_cast<const Credentials*>(arg);
    for (int i = 0; i < fields; ++i) {
        const std::string* value = (request[i].flags & AUTH_PASS)   ? &c.password
                                   : (request[i].flags & AUTH_USER) ? &c.username
                                                                    : nullptr;
        if (!value || (request[i].size != 0 && value->size() > request[i].size)) return 0;
        result[i] = const_cast<char*>(value->c_str());
    }
    return 1;
}

// Hands libesmtp the whole message in one piece; `len == nullptr` rewinds.
extern "C" const char* on_message(void**, int* len, void* arg) {
    auto& source = *static_cast<std::pair<const std::string*, bool>*>(arg);
    if (!len) {
        source.second = false;
        return nullptr;
    }
    *len = source.second ? 0 : static_cast<int>(source.first->size());
    source.second = true;
    return source.first->data();
}

extern "C" void on_recipient(smtp_recipient_t recipient, const char*, void* arg) {
    static_cast<std::vector<const smtp_status_t*>*>(arg)->push_back(smtp_recipient_status(recipient));
}

std::once_flag g_auth_init, g_warned;

}  // namespace

SmtpMailer::SmtpMailer(const Config& config, int timeout_ms)
    : server_(config.mail_server),
      port_(config.mail_port),
      username_(config.mail_username),
      password_(config.mail_password),
      starttls_(config.mail_starttls),
      implicit_tls_(config.mail_ssl_tls),
      timeout_ms_(timeout_ms < 1000 ? 1000 : timeout_ms) {
    if (starttls_ || implicit_tls_) tls_ = std::make_unique<smtp::TlsClient>(server_);
    std::call_once(g_warned, [this] {
        if (username_.empty() != password_.empty())
            log_line("mail: only one of MAIL_USERNAME and MAIL_PASSWORD is set: sending without AUTH");
        else if (!username_.empty() && !tls_)
            log_line("mail: MAIL_STARTTLS and MAIL_SSL_TLS are both False: the SMTP password goes over the network "
                     "unencrypted");
    });
}

SmtpMailer::~SmtpMailer() = default;

void SmtpMailer::send(const std::string& from_address, const std::string& to_address, const std::string& rfc5322) {
    const std::string from = envelope_address(from_address, "sender");
    const std::string to = envelope_address(to_address, "recipient");
    check_message(rfc5322);
    const bool need_auth = !username_.empty() && !password_.empty();
    if (need_auth && (username_.size() > kMaxCredential || password_.size() > kMaxCredential))
        throw MailError("MAIL_USERNAME or MAIL_PASSWORD is longer than 255 bytes");
    const std::string where = (server_.find(':') != std::string::npos ? "[" + server_ + "]" : server_) + ":" +
                              std::to_string(port_);
    const std::string prefix = "mail server " + where + ": ";
    std::call_once(g_auth_init, [] { auth_client_init(); });
    if (tls_) tls_->start_over();
    if (starttls_) tls_->refuse_next_handshake("the server answered STARTTLS before it was sent");  // see on_monitor

    // Implicit TLS: libesmtp talks plain SMTP to the relay, which is
    // connected and in TLS already (or has thrown why not).
    std::unique_ptr<smtp::ImplicitTlsRelay> relay;
    if (implicit_tls_)
        relay = std::make_unique<smtp::ImplicitTlsRelay>(*tls_, server_, port_, std::chrono::milliseconds(timeout_ms_),
                                                         std::chrono::milliseconds(timeout_ms_ * kSessionLimitSteps));
    const std::string address = relay ? "127.0.0.1:" + std::to_string(relay->port()) : where;

    Credentials credentials{username_, password_};
    std::pair<const std::string*, bool> source{&rfc5322, false};
    std::vector<const smtp_status_t*> recipients;
    ConnectTimer timer(timeout_ms_);
    Events events{&timer, tls_.get()};
    // Declared after what the callbacks point at, so destroyed before it.
    AuthContext auth_context;
    Session session(smtp_create_session());
    smtp_message_t message = nullptr;
    bool ok = session && smtp_set_server(session.get(), address.c_str()) &&
              smtp_set_eventcb(session.get(), on_event, &events) &&
              (!starttls_ || smtp_set_monitorcb(session.get(), on_monitor, &events, 0));
    for (int which : {Timeout_GREETING, Timeout_ENVELOPE, Timeout_DATA, Timeout_TRANSFER, Timeout_DATA2})
        ok = ok && smtp_set_timeout(session.get(), which | Timeout_OVERRIDE_RFC2822_MINIMUM, timeout_ms_) > 0;
    ok = ok && (starttls_ ? tls_->use_for_starttls(session.get())
                          : smtp_starttls_enable(session.get(), Starttls_DISABLED) != 0);
    if (ok && need_auth) {
        auth_context.reset(auth_create_context());
        // Without this flag libesmtp skips PLAIN and LOGIN silently on a
        // connection it did not encrypt itself: the relay's loopback leg,
        // or MAIL_STARTTLS=False, which the warning above is about.
        ok = auth_context && auth_set_mechanism_flags(auth_context.get(), AUTH_PLUGIN_PLAIN, 0) &&
             auth_set_interact_cb(auth_context.get(), on_interact, &credentials) &&
             smtp_auth_set_context(session.get(), auth_context.get());
    }
    if (ok) {
        message = smtp_add_message(session.get());
        ok = message && smtp_set_reverse_path(message, from.c_str()) && smtp_add_recipient(message, to.c_str()) &&
             smtp_set_messagecb(message, on_message, &source);
    }
    char buf[128];
    if (!ok) throw MailError(std::string("libesmtp: cannot set up the session: ") + smtp_strerror(smtp_errno(), buf, sizeof buf));

    const int started = smtp_start_session(session.get());
    const int error = smtp_errno();
    timer.disarm();
    const std::string relay_problem = relay ? relay->finish() : "";
    const smtp_status_t* transfer = smtp_message_transfer_status(message);
    smtp_enumerate_recipients(message, on_recipient, &recipients);
    bool all_accepted = !recipients.empty();
    for (const auto* s : recipients) all_accepted = all_accepted && is_2xx(s);
    if (started && is_2xx(transfer) && all_accepted) return;

    // Why not, from what libesmtp reports, most specific first (it keeps
    // no reply to the greeting, EHLO or STARTTLS where we could read it).
    const std::string within = " within " + std::to_string(timeout_ms_) + " ms";
    std::string why = error == SMTP_ERR_INVAL || error == 0 ? "" : smtp_strerror(error, buf, sizeof buf);
    if (error == SMTP_ERR_DROPPED_CONNECTION) why += " (it closed the connection or sent no reply" + within + ")";
    if (error == SMTP_ERR_CLIENT_ERROR) why = "the TLS handshake failed";  // libesmtp's only use of it
    if (!relay_problem.empty()) throw MailError(relay_problem);
    if (!events.connected)  // connect's own error, or EINTR from the timer
        throw MailError(prefix + "cannot connect: " + (error == -EINTR || why.empty() ? "no answer" + within : why));
    if (starttls_ && !tls_->verify_error().empty())
        throw MailError(prefix + "TLS refused: " + tls_->verify_error() + "; nothing was sent");
    if (events.starttls_missing)
        throw MailError(prefix + "does not offer STARTTLS (MAIL_STARTTLS=True requires it); nothing was sent");
    if (events.starttls && !events.tls_up)
        throw MailError(prefix + "STARTTLS failed: " + (why.empty() ? "refused by the server (a 4xx or 5xx reply)" : why) +
                        "; nothing was sent");
    if (!started)
        throw MailError(prefix + "refused the session (a 4xx or 5xx reply to the greeting, EHLO or HELO); nothing was sent");
    const smtp_status_t* sender = smtp_reverse_path_status(message);
    if (sender && sender->code >= 400)
        throw MailError(prefix + "sender refused: " + status_text(sender) + (need_auth ? " (did AUTH succeed?)" : ""));
    for (const auto* s : recipients)
        if (s && s->code >= 400)
            throw MailError(prefix + "recipient refused: " + status_text(s), Scope::Message, s->code >= 500);
    if (transfer && transfer->code >= 400)
        throw MailError(prefix + "message refused: " + status_text(transfer), Scope::Message, transfer->code >= 500);
    throw MailError(prefix + "the session ended before the message was accepted: " +
                    (why.empty() ? "the server refused a step before MAIL FROM" : why));
}

}  // namespace auth
