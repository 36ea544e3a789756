#include "smtp/smtp_mailer.hh"

#include <signal.h>
#include <stdarg.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <mutex>
#include <optional>
#include <string_view>

#include "core/log.hh"

#include <cstddef>
// auth-client.h must come before libesmtp.h (it declares auth_context_t).
#include <auth-client.h>
#include <libesmtp.h>

namespace auth {

namespace {

using Scope = MailError::Scope;

// "550 text", the server's text made fit for a log line (printable ASCII, bounded).
std::string status_text(const smtp_status_t* s) {
    std::string out = std::to_string(s->code) + " ";
    for (const char* p = s->text; p && *p && out.size() < 200; ++p) out += (*p >= 0x20 && *p < 0x7f) ? *p : ' ';
    while (out.back() == ' ') out.pop_back();
    return out;
}

bool is_2xx(const smtp_status_t* s) { return s && s->code >= 200 && s->code < 300; }

template <class T, class Free> std::unique_ptr<T, Free> owned(T* handle, Free free) { return {handle, free}; }

// libesmtp dot-stuffs and finds the end of the headers only with CRLF; it
// takes the message as a C string (smtp_set_message_str).
void check_message(const std::string& message) {
    auto refuse = [](const char* why) { throw MailError(why, Scope::Message, true); };
    if (message.empty() || message.size() > 16 * 1024 * 1024) refuse("the message is empty or too large");
    if (message.find('\0') != std::string::npos) refuse("the message contains a NUL byte");
    for (auto i = message.find_first_of("\r\n"); i != std::string::npos; i = message.find_first_of("\r\n", i + 2))
        if (message[i] != '\r' || message[i + 1] != '\n') refuse("the message has a bare CR or LF: line endings must be CRLF");
}

// libesmtp has no connect timeout: a host that drops packets would hold a
// run for minutes. This timer sends SIGALRM to this thread only (the relay
// and sessionauth-deliver's watchdog have threads of their own), handled
// without SA_RESTART, so a blocking connect() fails with EINTR and libesmtp
// tries the next address.
class ConnectTimer {
public:
    explicit ConnectTimer(int ms) {
        sigevent ev{.sigev_value = {}, .sigev_signo = SIGALRM, .sigev_notify = SIGEV_THREAD_ID,
                    ._sigev_un = {._tid = gettid()}};
        if (timer_create(CLOCK_MONOTONIC, &ev, &timer_) != 0) throw MailError("cannot create a timer for connecting");
        struct sigaction quiet {};
        quiet.sa_handler = [](int) {};
        sigemptyset(&quiet.sa_mask);
        sigaction(SIGALRM, &quiet, &old_);
        const timespec each{ms / 1000, (ms % 1000) * 1000000L};  // again for each address
        itimerspec when{each, each};
        timer_settime(timer_, 0, &when, nullptr);
    }
    ~ConnectTimer() {
        timer_delete(timer_);
        sigaction(SIGALRM, &old_, nullptr);
    }
    ConnectTimer(const ConnectTimer&) = delete;
    ConnectTimer& operator=(const ConnectTimer&) = delete;

private:
    timer_t timer_{};
    struct sigaction old_ {};
};

struct Events {
    smtp::TlsClient* tls;
    std::optional<ConnectTimer> timer;
    bool connected = false, tls_up = false;
    int starttls = 0;  // 1: "STARTTLS" written; 2: its reply judged (on_monitor)
    std::size_t column = 0;  // of the reply's line, across reads
};

// The STARTTLS response-injection guard, a byte check (no SMTP parsing):
// libesmtp 1.1 takes what it read past the reply to STARTTLS as if it had
// come inside TLS, so a man in the middle could inject replies. send()
// refuses the handshake in advance; this takes the refusal back only if,
// once "STARTTLS\r\n" has gone out, the reply is one line whose LF ends the
// read (bytes after it came in plaintext; a handshake before it means the
// reply was buffered before the command went out). A multi-line reply
// ("220-", practically unknown here) is refused whatever reads it comes in,
// as libesmtp reads each of its lines separately. It sees AUTH; keeps nothing.
extern "C" void on_monitor(const char* buf, int len, int writing, void* arg) {
    auto& e = *static_cast<Events*>(arg);
    std::string_view bytes(buf ? buf : "", buf && len > 0 ? static_cast<std::size_t>(len) : 0);
    if (writing == SMTP_CB_WRITING && e.starttls == 0 && bytes == "STARTTLS\r\n") e.starttls = 1;
    if (writing != SMTP_CB_READING || e.starttls != 1) return;
    for (std::size_t i = 0; i < bytes.size() && e.starttls == 1; ++i, ++e.column) {
        const bool multi_line = e.column == 3 && bytes[i] == '-';
        if (multi_line || bytes[i] == '\n') {
            e.starttls = 2;
            e.tls->refuse_next_handshake(multi_line             ? "the server's reply to STARTTLS has more than one line"
                                         : i + 1 < bytes.size() ? "the server sent data in plaintext after agreeing to STARTTLS"
                                                                : "");
        }
    }
}

extern "C" void on_event(smtp_session_t, int event, void* arg, ...) {
    auto& e = *static_cast<Events*>(arg);
    va_list ap;
    va_start(ap, arg);
    if (event == SMTP_EV_CONNECT) {
        e.connected = true;
        e.timer.reset();
        // smtp_errno() keeps its value until libesmtp sets another: a call
        // refused on purpose sets SMTP_ERR_INVAL, which no session step
        // sets, so what it says after the session is about this one.
        smtp_set_server(nullptr, nullptr);
    } else if (event == SMTP_EV_STARTTLS_OK) {
        e.tls_up = true;
    } else if (event == SMTP_EV_WRONG_PEER_CERTIFICATE) {
        // OpenSSL checked the name in the handshake (see TlsClient), IP
        // addresses too, which libesmtp's own check does not know. Every
        // other certificate doubt keeps libesmtp's "no".
        if (int* ok = va_arg(ap, int*)) *ok = 1;
    }
    va_end(ap);
}

extern "C" int on_interact(auth_client_request_t request, char** result, int fields, void* arg) {
    const auto& c = *static_cast<const Config*>(arg);
    for (int i = 0; i < fields; ++i) {
        const std::string* value = (request[i].flags & AUTH_PASS)   ? &c.mail_password
                                   : (request[i].flags & AUTH_USER) ? &c.mail_username
                                                                    : nullptr;
        if (!value || (request[i].size != 0 && value->size() > request[i].size)) return 0;
        result[i] = const_cast<char*>(value->c_str());
    }
    return 1;
}

std::once_flag g_auth_init, g_warned;

}  // namespace

SmtpMailer::SmtpMailer(const Config& config, int timeout_ms)
    : config_(config), timeout_ms_(timeout_ms < 1000 ? 1000 : timeout_ms) {
    if (config_.mail_starttls || config_.mail_ssl_tls) tls_ = std::make_unique<smtp::TlsClient>(config_.mail_server);
    std::call_once(g_warned, [this] {
        if (config_.mail_username.empty() != config_.mail_password.empty())
            log_line("mail: only one of MAIL_USERNAME and MAIL_PASSWORD is set: sending without AUTH");
        else if (!config_.mail_username.empty() && !tls_)
            log_line("mail: MAIL_STARTTLS and MAIL_SSL_TLS are both False: the SMTP password goes over the network "
                     "unencrypted");
    });
}

void SmtpMailer::send(const std::string& from_address, const std::string& to_address, const std::string& rfc5322) {
    const std::string from = plain_address(from_address, "sender");
    const std::string to = plain_address(to_address, "recipient");
    check_message(rfc5322);
    const std::string &server = config_.mail_server, &username = config_.mail_username;
    const bool starttls = config_.mail_starttls, need_auth = !username.empty() && !config_.mail_password.empty();
    // libesmtp's PLAIN plugin copies each into 255 bytes: longer ones are refused, not cut.
    if (need_auth && (username.size() > 255 || config_.mail_password.size() > 255))
        throw MailError("MAIL_USERNAME or MAIL_PASSWORD is longer than 255 bytes");
    const std::string where = (server.find(':') != std::string::npos ? "[" + server + "]" : server) + ":" +
                              std::to_string(config_.mail_port);
    const std::string prefix = "mail server " + where + ": ";
    std::call_once(g_auth_init, [] { auth_client_init(); });
    if (tls_) tls_->refuse_next_handshake(starttls ? "the server answered STARTTLS before it was sent" : "");  // on_monitor

    // Implicit TLS: libesmtp talks plain SMTP to the relay, in TLS already.
    std::optional<smtp::ImplicitTlsRelay> relay;
    if (config_.mail_ssl_tls) relay.emplace(*tls_, server, config_.mail_port, prefix, timeout_ms_);
    const std::string address = relay ? "127.0.0.1:" + std::to_string(relay->port()) : where;

    Events events{tls_.get(), std::optional<ConnectTimer>(timeout_ms_)};
    // Declared after what the callbacks point at, so destroyed before it.
    const auto auth_context = owned(need_auth ? auth_create_context() : nullptr, auth_destroy_context);
    const auto session = owned(smtp_create_session(), smtp_destroy_session);
    smtp_session_t s = session.get();
    smtp_message_t message = nullptr;
    smtp_recipient_t recipient = nullptr;
    bool ok = s && smtp_set_server(s, address.c_str()) && smtp_set_eventcb(s, on_event, &events) &&
              (!starttls || smtp_set_monitorcb(s, on_monitor, &events, 0)) &&
              (starttls ? tls_->use_for_starttls(s) : smtp_starttls_enable(s, Starttls_DISABLED) != 0);
    for (int which : {Timeout_GREETING, Timeout_ENVELOPE, Timeout_DATA, Timeout_TRANSFER, Timeout_DATA2})
        ok = ok && smtp_set_timeout(s, which | Timeout_OVERRIDE_RFC2822_MINIMUM, timeout_ms_) > 0;
    // Without the mechanism flag libesmtp skips PLAIN and LOGIN silently on
    // a connection it did not encrypt itself: the relay's loopback leg, or
    // MAIL_STARTTLS=False, which the warning above is about.
    ok = ok && (!need_auth || (auth_context && auth_set_mechanism_flags(auth_context.get(), AUTH_PLUGIN_PLAIN, 0) &&
                               auth_set_interact_cb(auth_context.get(), on_interact, &config_) &&
                               smtp_auth_set_context(s, auth_context.get())));
    ok = ok && (message = smtp_add_message(s)) && smtp_set_reverse_path(message, from.c_str()) &&
         (recipient = smtp_add_recipient(message, to.c_str())) &&
         smtp_set_message_str(message, const_cast<char*>(rfc5322.c_str()));
    char buf[128];
    if (!ok)
        throw MailError(std::string("libesmtp: cannot set up the session: ") + smtp_strerror(smtp_errno(), buf, sizeof buf));

    const int started = smtp_start_session(s);
    const int error = smtp_errno();
    events.timer.reset();
    const std::string relay_ended = relay ? relay->finish() : "";  // joined: nothing else reads TlsClient meanwhile
    const smtp_status_t* transfer = smtp_message_transfer_status(message);
    const smtp_status_t* accepted = smtp_recipient_status(recipient);
    if (started && is_2xx(transfer) && is_2xx(accepted)) return;

    // Why not, from what libesmtp reports, most specific first (it keeps
    // no reply to the greeting, EHLO or STARTTLS where we could read it).
    const std::string within = " within " + std::to_string(timeout_ms_) + " ms";
    std::string why = error == SMTP_ERR_INVAL || error == 0 ? "" : smtp_strerror(error, buf, sizeof buf);
    if (error == SMTP_ERR_DROPPED_CONNECTION) why += " (it closed the connection or sent no reply" + within + ")";
    if (error == SMTP_ERR_CLIENT_ERROR) why = "the TLS handshake failed";  // libesmtp's only use of it
    if (!relay_ended.empty()) throw MailError(relay_ended);
    if (!events.connected)  // connect's own error, or EINTR from the timer
        throw MailError(prefix + "cannot connect: " + (error == -EINTR || why.empty() ? "no answer" + within : why));
    if (starttls && !tls_->verify_error().empty())
        throw MailError(prefix + "TLS refused: " + tls_->verify_error() + "; nothing was sent");
    if (starttls && !events.starttls && error == SMTP_ERR_EXTENSION_NOT_AVAILABLE)  // the only extension required
        throw MailError(prefix + "does not offer STARTTLS (MAIL_STARTTLS=True requires it); nothing was sent");
    if (events.starttls && !events.tls_up)
        throw MailError(prefix + "STARTTLS failed: " + (why.empty() ? "refused by the server (a 4xx or 5xx reply)" : why) +
                        "; nothing was sent");
    if (!started)
        throw MailError(prefix + "refused the session (a 4xx or 5xx reply to the greeting, EHLO or HELO); nothing was sent");
    const smtp_status_t* sender = smtp_reverse_path_status(message);
    if (sender && sender->code >= 400)
        throw MailError(prefix + "sender refused: " + status_text(sender) + (need_auth ? " (did AUTH succeed?)" : ""));
    if (accepted && accepted->code >= 400)
        throw MailError(prefix + "recipient refused: " + status_text(accepted), Scope::Message, accepted->code >= 500);
    if (transfer && transfer->code >= 400)
        throw MailError(prefix + "message refused: " + status_text(transfer), Scope::Message, transfer->code >= 500);
    throw MailError(prefix + "the session ended before the message was accepted: " +
                    (why.empty() ? "the server refused a step before MAIL FROM" : why));
}

}  // namespace auth
