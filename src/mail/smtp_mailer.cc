// SmtpMailer: one message to one recipient through libesmtp 1.1.
//
// libesmtp always talks plain SMTP to a MailRelay on 127.0.0.1
// (tls_tunnel.hh), which gives it what it lacks: a connect timeout, a limit
// on the whole session, implicit TLS (MAIL_SSL_TLS), a STARTTLS that works
// with TLS 1.3 (MAIL_STARTTLS; see tls_tunnel.hh for libesmtp's race), and a
// way to stop before MAIL FROM when AUTH did not succeed or before DATA when
// the recipient was refused. Certificates are checked by OpenSSL in the
// relay (system CAs, MAIL_SERVER's name); a bad one ends the send.
//
// libesmtp reports most failures as success: a send counts as done only if
// smtp_start_session returned non-zero, the message status is 2xx, every
// recipient status is 2xx and, with credentials, AUTH succeeded.
#include <cstddef>
// auth-client.h must come before libesmtp.h (it declares auth_context_t).
#include <auth-client.h>
#include <libesmtp.h>

#include <cctype>
#include <cstdarg>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <type_traits>
#include <vector>

#include "core/config.hh"
#include "core/log.hh"
#include "mail/mailer.hh"
#include "mail/tls_tunnel.hh"
#include "core/validate.hh"

namespace auth {

namespace {

using std::chrono::milliseconds;

// The relay cuts a whole session off after this many step timeouts: a
// session is about ten round trips that take milliseconds each, and a
// server dribbling bytes slowly enough to dodge every per-read timeout
// still ends here.
constexpr int kSessionLimitSteps = 6;

// libesmtp's PLAIN plugin copies user and password into a fixed buffer of
// 255 bytes each (and says so in its request size); longer ones are refused
// here rather than truncated or overflowed.
constexpr std::size_t kMaxCredential = 255;

struct SessionFree {
    void operator()(std::remove_pointer_t<smtp_session_t>* session) const { smtp_destroy_session(session); }
};
using Session = std::unique_ptr<std::remove_pointer_t<smtp_session_t>, SessionFree>;

struct AuthFree {
    void operator()(std::remove_pointer_t<auth_context_t>* context) const { auth_destroy_context(context); }
};
using AuthContext = std::unique_ptr<std::remove_pointer_t<auth_context_t>, AuthFree>;

// Text from the server, fit for an error message: printable ASCII only,
// bounded.
std::string clean(const char* text) {
    if (!text) return "";
    std::string out;
    for (const char* p = text; *p && out.size() < 200; ++p) {
        unsigned char c = static_cast<unsigned char>(*p);
        out += (c >= 0x20 && c < 0x7f) ? static_cast<char>(c) : ' ';
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out;
}

std::string status_text(const smtp_status_t* status) {
    if (!status) return "no reply";
    std::string text = clean(status->text);
    return std::to_string(status->code) + (text.empty() ? "" : " " + text);
}

bool is_2xx(const smtp_status_t* status) { return status && status->code >= 200 && status->code < 300; }

// An envelope address: what build_message puts in From/To, nothing else.
std::string envelope_address(const std::string& address, const char* what) {
    for (unsigned char c : address)
        if (c <= 0x20 || c >= 0x7f || c == ',' || c == '<' || c == '>' || c == ';' || c == '"' || c == '(' ||
            c == ')' || c == '\\')
            throw MailError(std::string("the ") + what + " address is not a plain email address");
    auto normal = normalize_email(address);
    if (!normal) throw MailError(std::string("the ") + what + " address is not a plain email address");
    return *normal;
}

// libesmtp dot-stuffs and finds the end of headers only with CRLF endings.
void check_message(const std::string& message) {
    if (message.empty() || message.size() > 16 * 1024 * 1024) throw MailError("the message is empty or too large");
    for (std::size_t i = 0; i < message.size(); ++i) {
        char c = message[i];
        if (c == '\0') throw MailError("the message contains a NUL byte");
        if (c == '\r' && (i + 1 == message.size() || message[i + 1] != '\n'))
            throw MailError("the message has a bare CR: line endings must be CRLF");
        if (c == '\n' && (i == 0 || message[i - 1] != '\r'))
            throw MailError("the message has a bare LF: line endings must be CRLF");
    }
}

struct Credentials {
    const std::string& username;
    const std::string& password;
};

// What the callbacks saw of one session. The monitor sees every byte,
// AUTH included: it looks only at the first few characters of each command
// and keeps nothing the client wrote.
struct SendState {
    bool need_auth = false;
    mail::MailRelay* relay = nullptr;

    bool starttls_missing = false;
    std::string tls_problem;

    // Protocol as seen by the monitor.
    bool greeted = false;
    std::string greeting_refusal;
    std::deque<std::string> pending;  // commands awaiting their reply, by verb
    bool auth_attempted = false, awaiting_auth = false, authenticated = false;
    std::string auth_failure;
    bool blocked_unauthenticated = false;
    bool recipient_refused = false, blocked_data = false;
    bool in_data = false;
    std::string write_head;  // the first (up to 10) characters of the command being written
    bool write_line_start = true;  // still collecting write_head
    std::string read_line;
};

void stop_relay(SendState& state) {
    if (state.relay) state.relay->abort();
}

// A command libesmtp is about to write (the monitor runs before the bytes go
// out, so stopping the relay here keeps the command from the server).
void on_command(SendState& state, const std::string& head) {
    if (state.awaiting_auth) return;  // a SASL continuation line, not a command
    std::string verb = head.substr(0, head.find(' '));
    for (char& c : verb) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (verb == "MAIL" && state.need_auth && !state.authenticated) {
        // Credentials are configured but AUTH failed or was not offered;
        // libesmtp would carry on without it.
        state.blocked_unauthenticated = true;
        stop_relay(state);
    }
    if (verb == "DATA" && state.recipient_refused) {
        // libesmtp 1.1 sends DATA even when the only recipient was refused.
        state.blocked_data = true;
        stop_relay(state);
    }
    if (verb == "AUTH") {
        state.auth_attempted = true;
        state.awaiting_auth = true;
    }
    if (verb == "DATA") state.in_data = true;
    state.pending.push_back(verb);
}

void on_reply_line(SendState& state, const std::string& line) {
    if (line.size() < 3 || line[0] < '1' || line[0] > '5' || line[1] < '0' || line[1] > '9' || line[2] < '0' ||
        line[2] > '9')
        return;
    if (line.size() > 3 && line[3] == '-') return;  // not the last line of the reply
    int code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
    std::string text = clean(line.size() > 4 ? line.c_str() + 4 : "");
    if (!state.greeted) {
        state.greeted = true;
        if (code != 220) state.greeting_refusal = std::to_string(code) + (text.empty() ? "" : " " + text);
        return;
    }
    if (state.pending.empty()) return;
    const std::string verb = state.pending.front();
    if (verb == "AUTH" && code == 334) return;  // the exchange goes on
    state.pending.pop_front();
    bool ok = code >= 200 && code < 300;
    if (verb == "AUTH") {
        state.awaiting_auth = false;
        if (ok) {
            state.authenticated = true;
            state.auth_failure.clear();
        } else {
            state.auth_failure = std::to_string(code) + (text.empty() ? "" : " " + text);
        }
    } else if (verb == "RCPT" && !ok) {
        state.recipient_refused = true;
    }
}

extern "C" void on_monitor(const char* buf, int len, int writing, void* arg) {
    auto& state = *static_cast<SendState*>(arg);
    if (!buf || len <= 0) return;
    if (writing == SMTP_CB_WRITING) {
        // Only the head of each command line is looked at (and then
        // forgotten); everything after DATA is message content.
        for (int i = 0; i < len && !state.in_data; ++i) {
            char c = buf[i];
            if (c == '\r' || c == '\n') {
                if (state.write_line_start && !state.write_head.empty()) on_command(state, state.write_head);
                state.write_head.clear();
                state.write_line_start = true;
            } else if (state.write_line_start) {
                state.write_head += c;
                if (state.write_head.size() == 10) {
                    on_command(state, state.write_head);
                    state.write_head.clear();
                    state.write_line_start = false;
                }
            }
        }
    } else if (writing == SMTP_CB_READING) {
        for (int i = 0; i < len; ++i) {
            if (buf[i] == '\n') {
                on_reply_line(state, state.read_line);
                state.read_line.clear();
            } else if (buf[i] != '\r' && state.read_line.size() < 1024) {
                state.read_line += buf[i];
            }
        }
    }
}

extern "C" void on_event(smtp_session_t, int event, void* arg, ...) {
    auto& state = *static_cast<SendState*>(arg);
    va_list ap;
    va_start(ap, arg);
    switch (event) {
        case SMTP_EV_EXTNA_STARTTLS:
            state.starttls_missing = true;
            break;
        // libesmtp never does TLS here (Starttls_DISABLED: the relay does
        // it); should it ever, every certificate doubt is fatal.
        case SMTP_EV_INVALID_PEER_CERTIFICATE: {
            va_arg(ap, long);
            int* ok = va_arg(ap, int*);
            if (ok) *ok = 0;
            if (state.tls_problem.empty()) state.tls_problem = "libesmtp: certificate not valid";
            break;
        }
        case SMTP_EV_NO_PEER_CERTIFICATE:
        case SMTP_EV_WRONG_PEER_CERTIFICATE:
        case SMTP_EV_NO_CLIENT_CERTIFICATE: {
            int* ok = va_arg(ap, int*);
            if (ok) *ok = 0;
            if (state.tls_problem.empty()) state.tls_problem = "libesmtp: certificate refused";
            break;
        }
        case SMTP_EV_WEAK_CIPHER: {
            va_arg(ap, int);
            int* ok = va_arg(ap, int*);
            if (ok) *ok = 0;
            if (state.tls_problem.empty()) state.tls_problem = "libesmtp: weak cipher";
            break;
        }
        case SMTP_EV_UNUSABLE_CLIENT_CERTIFICATE:
        case SMTP_EV_UNUSABLE_CA_LIST:
            if (state.tls_problem.empty()) state.tls_problem = "libesmtp's own certificate files are unusable";
            break;
        default:
            break;  // other events keep libesmtp's defaults
    }
    va_end(ap);
}

extern "C" int on_interact(auth_client_request_t request, char** result, int fields, void* arg) {
    const auto& credentials = *static_cast<const Credentials*>(arg);
    for (int i = 0; i < fields; ++i) {
        const std::string* value;
        if (request[i].flags & AUTH_PASS) value = &credentials.password;
        else if (request[i].flags & AUTH_USER) value = &credentials.username;
        else return 0;  // a realm or other field: not configured
        if (request[i].size != 0 && value->size() > request[i].size) return 0;
        result[i] = const_cast<char*>(value->c_str());
    }
    return 1;
}

struct MessageSource {
    const std::string* text;
    bool done = false;
};

// Hands libesmtp the whole message in one piece; `len == nullptr` rewinds.
extern "C" const char* on_message(void**, int* len, void* arg) {
    auto& source = *static_cast<MessageSource*>(arg);
    if (!len) {
        source.done = false;
        return nullptr;
    }
    *len = source.done ? 0 : static_cast<int>(source.text->size());
    source.done = true;
    return source.text->data();
}

struct RecipientStatus {
    std::vector<const smtp_status_t*> statuses;
};

extern "C" void on_recipient(smtp_recipient_t recipient, const char*, void* arg) {
    static_cast<RecipientStatus*>(arg)->statuses.push_back(smtp_recipient_status(recipient));
}

void warn_once(std::once_flag& flag, const char* message) {
    std::call_once(flag, [message] { log_line(message); });
}

std::once_flag g_auth_init, g_warn_cleartext, g_warn_half_credentials;

}  // namespace

SmtpMailer::SmtpMailer(const Config& config, int timeout_ms)
    : server_(config.mail_server),
      port_(config.mail_port),
      username_(config.mail_username),
      password_(config.mail_password),
      starttls_(config.mail_starttls),
      implicit_tls_(config.mail_ssl_tls),
      timeout_ms_(timeout_ms < 1000 ? 1000 : timeout_ms) {
    if (username_.empty() != password_.empty())
        warn_once(g_warn_half_credentials,
                  "mail: only one of MAIL_USERNAME and MAIL_PASSWORD is set: sending without AUTH");
    else if (!username_.empty() && !starttls_ && !implicit_tls_)
        warn_once(g_warn_cleartext,
                  "mail: MAIL_STARTTLS and MAIL_SSL_TLS are both False: the SMTP password goes over the network "
                  "unencrypted");
}

void SmtpMailer::send(const std::string& from_address, const std::string& to_address, const std::string& rfc5322) {
    const std::string from = envelope_address(from_address, "sender");
    const std::string to = envelope_address(to_address, "recipient");
    check_message(rfc5322);
    const bool need_auth = !username_.empty() && !password_.empty();
    if (need_auth && (username_.size() > kMaxCredential || password_.size() > kMaxCredential))
        throw MailError("MAIL_USERNAME or MAIL_PASSWORD is longer than 255 bytes");
    const std::string where = (server_.find(':') != std::string::npos ? "[" + server_ + "]" : server_) + ":" +
                              std::to_string(port_);
    std::call_once(g_auth_init, [] { auth_client_init(); });

    mail::SigpipeBlock no_sigpipe;
    const milliseconds timeout(timeout_ms_);
    const auto started_at = mail::Clock::now();

    std::unique_ptr<mail::TlsClientContext> tls;
    if (starttls_ || implicit_tls_) tls = std::make_unique<mail::TlsClientContext>(server_);
    const auto mode = implicit_tls_ ? mail::RelayMode::ImplicitTls
                      : starttls_   ? mail::RelayMode::StartTls
                                    : mail::RelayMode::Plain;
    mail::MailRelay relay(server_, port_, mode, tls.get(), timeout, timeout * kSessionLimitSteps);

    Credentials credentials{username_, password_};
    SendState state;
    state.need_auth = need_auth;
    state.relay = &relay;
    MessageSource source{&rfc5322};
    RecipientStatus recipients;

    // Declared after what the callbacks point at, so destroyed before it.
    AuthContext auth_context;
    Session session(smtp_create_session());
    if (!session) throw MailError("libesmtp: cannot create a session");
    const std::string relay_address = "127.0.0.1:" + std::to_string(relay.port());
    smtp_message_t message = nullptr;
    bool set_up = smtp_set_server(session.get(), relay_address.c_str()) &&
                  smtp_set_eventcb(session.get(), on_event, &state) &&
                  smtp_set_monitorcb(session.get(), on_monitor, &state, 0);
    for (int which : {Timeout_GREETING, Timeout_ENVELOPE, Timeout_DATA, Timeout_TRANSFER, Timeout_DATA2})
        set_up = set_up && smtp_set_timeout(session.get(), which | Timeout_OVERRIDE_RFC2822_MINIMUM, timeout_ms_) > 0;
    // TLS, STARTTLS included, is the relay's: to libesmtp the leg to the
    // relay is plain SMTP.
    set_up = set_up && smtp_starttls_enable(session.get(), Starttls_DISABLED);
    if (need_auth) {
        auth_context.reset(auth_create_context());
        // Without AUTH_PLUGIN_PLAIN libesmtp skips PLAIN and LOGIN silently
        // on a connection it does not itself encrypt, and to libesmtp the
        // leg to the relay is such a connection.
        set_up = set_up && auth_context && auth_set_mechanism_flags(auth_context.get(), AUTH_PLUGIN_PLAIN, 0) &&
                 auth_set_interact_cb(auth_context.get(), on_interact, &credentials) &&
                 smtp_auth_set_context(session.get(), auth_context.get());
    }
    if (set_up) {
        message = smtp_add_message(session.get());
        set_up = message && smtp_set_reverse_path(message, from.c_str()) &&
                 smtp_add_recipient(message, to.c_str()) != nullptr &&
                 smtp_set_messagecb(message, on_message, &source);
    }
    if (!set_up) {
        char buf[128];
        throw MailError(std::string("libesmtp: cannot set up the session: ") +
                        smtp_strerror(smtp_errno(), buf, sizeof buf));
    }

    const int started = smtp_start_session(session.get());
    const int error = smtp_errno();
    const std::string relay_problem = relay.finish();
    const auto elapsed = std::chrono::duration_cast<milliseconds>(mail::Clock::now() - started_at);

    const smtp_status_t* transfer = smtp_message_transfer_status(message);
    const smtp_status_t* sender = smtp_reverse_path_status(message);
    smtp_enumerate_recipients(message, on_recipient, &recipients);
    bool recipients_ok = !recipients.statuses.empty();
    for (const auto* status : recipients.statuses) recipients_ok = recipients_ok && is_2xx(status);

    if (started && is_2xx(transfer) && recipients_ok && !state.blocked_unauthenticated && !state.blocked_data &&
        (!need_auth || state.authenticated))
        return;

    const std::string prefix = "mail server " + where + ": ";
    if (!relay_problem.empty()) throw MailError(relay_problem);
    if (!state.tls_problem.empty()) throw MailError(prefix + "TLS refused: " + state.tls_problem);
    if (state.starttls_missing)
        throw MailError(prefix + "does not offer STARTTLS (MAIL_STARTTLS=True requires it); nothing was sent");
    if (!state.greeted) {
        if (elapsed >= timeout)
            throw MailError(prefix + "no greeting within " + std::to_string(timeout_ms_) + " ms");
        throw MailError(prefix + "closed the connection without a greeting");
    }
    if (!state.greeting_refusal.empty()) throw MailError(prefix + "refused the session: " + state.greeting_refusal);
    if (need_auth && !state.authenticated) {
        if (!state.auth_failure.empty())
            throw MailError(prefix + "authentication failed: " + state.auth_failure + "; nothing was sent");
        if (!state.auth_attempted)
            throw MailError(prefix +
                            "offers no AUTH mechanism usable with MAIL_USERNAME/MAIL_PASSWORD; nothing was sent");
        throw MailError(prefix + "authentication did not complete");
    }
    if (sender && sender->code != 0 && !is_2xx(sender))
        throw MailError(prefix + "sender refused: " + status_text(sender));
    for (const auto* status : recipients.statuses)
        if (!is_2xx(status))
            throw MailError(prefix +
                            "recipient refused: " + (status && status->code ? status_text(status) : "no reply"));
    if (transfer && transfer->code != 0) throw MailError(prefix + "message refused: " + status_text(transfer));
    char buf[128];
    std::string why = error ? smtp_strerror(error, buf, sizeof buf) : "no reply";
    if (elapsed >= timeout) why += " (waited " + std::to_string(timeout_ms_) + " ms)";
    throw MailError(prefix + "the session ended before the message was accepted: " + why);
}

}  // namespace auth
