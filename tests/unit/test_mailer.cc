// Tests for mailer: the RFC 5322 message (headers, CRLF, quoted-printable,
// RFC 2047 subjects, injection), the recording double, and SmtpMailer
// against a scripted SMTP server on 127.0.0.1 (plain, STARTTLS, implicit
// TLS, AUTH, refusals, timeouts), with a test CA made here and trusted
// through SSL_CERT_FILE.
#include <cppunit/extensions/HelperMacros.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

// After <openssl/ssl.h>: libesmtp declares smtp_starttls_set_ctx only then.
#include <auth-client.h>
#include <libesmtp.h>

#include "core/config.hh"
#include "mail/mailer.hh"
#include "smtp/smtp_mailer.hh"
#include "support.hh"

using test::contains;

namespace {

using Clock = std::chrono::steady_clock;

long elapsed_ms(Clock::time_point since) {
    return static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - since).count());
}

// ---- message parsing helpers -------------------------------------------

struct Parsed {
    std::vector<std::pair<std::string, std::string>> headers;  // unfolded, raw values
    std::string body;
    std::string header(const std::string& name) const {
        for (const auto& [k, v] : headers)
            if (k == name) return v;
        return "";
    }
    int count(const std::string& name) const {
        int n = 0;
        for (const auto& h : headers) n += h.first == name;
        return n;
    }
};

Parsed parse(const std::string& message) {
    Parsed out;
    auto end = message.find("\r\n\r\n");
    CPPUNIT_ASSERT(end != std::string::npos);
    std::string head = message.substr(0, end + 2);
    out.body = message.substr(end + 4);
    std::size_t pos = 0;
    while (pos < head.size()) {
        auto eol = head.find("\r\n", pos);
        std::string line = head.substr(pos, eol - pos);
        pos = eol + 2;
        if (!line.empty() && (line[0] == ' ' || line[0] == '\t')) {
            CPPUNIT_ASSERT(!out.headers.empty());
            out.headers.back().second += line;
            continue;
        }
        auto colon = line.find(':');
        CPPUNIT_ASSERT(colon != std::string::npos);
        std::string value = line.substr(colon + 1);
        if (!value.empty() && value[0] == ' ') value.erase(0, 1);
        out.headers.emplace_back(line.substr(0, colon), value);
    }
    return out;
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::size_t pos = 0;
    while (pos < text.size()) {
        auto eol = text.find("\r\n", pos);
        if (eol == std::string::npos) {
            lines.push_back(text.substr(pos));
            break;
        }
        lines.push_back(text.substr(pos, eol - pos));
        pos = eol + 2;
    }
    return lines;
}

bool only_crlf(const std::string& text) {
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r')) return false;
        if (text[i] == '\r' && (i + 1 == text.size() || text[i + 1] != '\n')) return false;
    }
    return true;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// Decodes quoted-printable, asserting it is well formed (uppercase hex,
// lines within 76, no trailing whitespace, only printable ASCII).
std::string qp_decode(const std::string& encoded) {
    std::string out;
    for (const std::string& line : lines_of(encoded)) {
        CPPUNIT_ASSERT_MESSAGE("QP line longer than 76: " + line, line.size() <= 76);
        CPPUNIT_ASSERT_MESSAGE("trailing whitespace: " + line,
                               line.empty() || (line.back() != ' ' && line.back() != '\t'));
        bool soft = !line.empty() && line.back() == '=';
        std::string content = soft ? line.substr(0, line.size() - 1) : line;
        for (std::size_t i = 0; i < content.size(); ++i) {
            unsigned char c = static_cast<unsigned char>(content[i]);
            CPPUNIT_ASSERT(c == '\t' || (c >= 0x20 && c < 0x7f));
            if (c == '=') {
                CPPUNIT_ASSERT_MESSAGE("truncated escape in " + line, i + 2 < content.size());
                int hi = hex_value(content[i + 1]), lo = hex_value(content[i + 2]);
                CPPUNIT_ASSERT_MESSAGE("bad escape in " + line, hi >= 0 && lo >= 0);
                out += static_cast<char>(hi * 16 + lo);
                i += 2;
            } else {
                out += static_cast<char>(c);
            }
        }
        if (!soft) out += "\r\n";
    }
    return out;
}

std::string b64_decode(const std::string& in) {
    static const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    unsigned value = 0;
    int bits = 0;
    for (char c : in) {
        if (c == '=') break;
        auto p = alphabet.find(c);
        CPPUNIT_ASSERT(p != std::string::npos);
        value = (value << 6) | static_cast<unsigned>(p);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((value >> bits) & 0xFF);
        }
    }
    return out;
}

std::string b64_encode(const std::string& in) {
    std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
    int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                            reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
    out.resize(static_cast<std::size_t>(n));
    return out;
}

// The decoded text of an unfolded Subject value made of encoded-words,
// asserting each word is =?UTF-8?B?...?=, at most 75 characters and whole
// UTF-8 on its own.
std::string decode_subject(const std::string& value, std::size_t* words = nullptr) {
    std::string out;
    std::size_t count = 0, pos = 0;
    while (pos < value.size()) {
        if (value[pos] == ' ' || value[pos] == '\t') {
            ++pos;
            continue;
        }
        auto end = value.find("?=", pos + 10);
        CPPUNIT_ASSERT(end != std::string::npos);
        std::string word = value.substr(pos, end + 2 - pos);
        CPPUNIT_ASSERT_MESSAGE(word, word.rfind("=?UTF-8?B?", 0) == 0);
        CPPUNIT_ASSERT_MESSAGE(word, word.size() <= 75);
        std::string text = b64_decode(word.substr(10, word.size() - 12));
        // each word ends on a character boundary
        std::size_t i = text.size();
        while (i > 0 && (static_cast<unsigned char>(text[i - 1]) & 0xC0) == 0x80) --i;
        CPPUNIT_ASSERT(i > 0);
        unsigned char lead = static_cast<unsigned char>(text[i - 1]);
        std::size_t need = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
        CPPUNIT_ASSERT_EQUAL(need, text.size() - (i - 1));
        out += text;
        ++count;
        pos = end + 2;
    }
    if (words) *words = count;
    return out;
}

// sample().text as it comes out of the message: CRLF line ends.
const char* const kSampleText = "Hello,\r\n\r\nopen this link:\r\nhttps://sessionauth.test/reset?token=abc\r\n";

auth::MailMessage sample(const std::string& html = "<p>Hello</p>") {
    auth::MailMessage m;
    m.from = "noreply@Sessionauth.TEST";
    m.to = "user@example.test";
    m.subject = "Reset your password";
    m.text = "Hello,\n\nopen this link:\nhttps://sessionauth.test/reset?token=abc\n";
    m.html = html;
    return m;
}

// ---- test PKI -------------------------------------------------------------

struct X509Free {
    void operator()(X509* x) const { X509_free(x); }
};
struct KeyFree {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using Cert = std::unique_ptr<X509, X509Free>;
using Key = std::unique_ptr<EVP_PKEY, KeyFree>;

void add_ext(X509* cert, X509* issuer, int nid, const char* value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    CPPUNIT_ASSERT(ext);
    X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
}

Cert make_cert(EVP_PKEY* key, const char* cn, X509* issuer, EVP_PKEY* issuer_key, bool ca, const char* san,
               long serial) {
    Cert cert(X509_new());
    X509_set_version(cert.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 86400);
    X509_set_pubkey(cert.get(), key);
    X509_NAME_add_entry_by_txt(X509_get_subject_name(cert.get()), "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>(cn), -1, -1, 0);
    X509* signer = issuer ? issuer : cert.get();
    X509_set_issuer_name(cert.get(), X509_get_subject_name(signer));
    if (ca) {
        add_ext(cert.get(), signer, NID_basic_constraints, "critical,CA:TRUE");
        add_ext(cert.get(), signer, NID_key_usage, "critical,keyCertSign,cRLSign");
    } else {
        add_ext(cert.get(), signer, NID_basic_constraints, "CA:FALSE");
        add_ext(cert.get(), signer, NID_ext_key_usage, "serverAuth");
        add_ext(cert.get(), signer, NID_subject_alt_name, san);
    }
    CPPUNIT_ASSERT(X509_sign(cert.get(), issuer_key ? issuer_key : key, EVP_sha256()) > 0);
    return cert;
}

struct Pki {
    Key ca_key, key;
    Cert ca, localhost, other_host, self_signed;
    test::TempDir dir;
};

// Made once; SSL_CERT_FILE then names the test CA, which every
// TlsClientContext made afterwards trusts (the system store stays too).
const Pki& pki() {
    static Pki* p = [] {
        auto* made = new Pki;
        made->ca_key.reset(EVP_EC_gen("P-256"));
        made->key.reset(EVP_EC_gen("P-256"));
        made->ca = make_cert(made->ca_key.get(), "sessionauth test CA", nullptr, nullptr, true, nullptr, 1);
        made->localhost = make_cert(made->key.get(), "localhost", made->ca.get(), made->ca_key.get(), false,
                                    "DNS:localhost,IP:127.0.0.1", 2);
        made->other_host = make_cert(made->key.get(), "other.test", made->ca.get(), made->ca_key.get(), false,
                                     "DNS:other.test", 3);
        made->self_signed = make_cert(made->key.get(), "localhost", nullptr, nullptr, false,
                                      "DNS:localhost,IP:127.0.0.1", 4);
        std::string path = made->dir.file("ca.pem");
        FILE* f = std::fopen(path.c_str(), "w");
        CPPUNIT_ASSERT(f);
        PEM_write_X509(f, made->ca.get());
        std::fclose(f);
        setenv("SSL_CERT_FILE", path.c_str(), 1);
        return made;
    }();
    return *p;
}

// ---- scripted SMTP server -------------------------------------------------

struct Script {
    bool greet = true;
    int greeting_code = 220;
    int drip_ms = 0;  // > 0: send a long greeting one byte at a time
    bool implicit_tls = false;
    bool offer_starttls = false;
    int starttls_code = 220;
    bool starttls_inject = false;  // plaintext after the 220 to STARTTLS
    bool starttls_early = false;   // the 220 to STARTTLS sent with the EHLO reply, then TLS
    bool starttls_split = false;   // "220-" alone, a pause, then "220 " with a line injected after it
    X509* cert = nullptr;  // for TLS; default pki().localhost
    bool offer_auth = false;
    int auth_code = 235;
    int mail_code = 250;
    bool require_auth = false;  // MAIL before a successful AUTH: 530, as relays answer
    int rcpt_code = 250;
    int data_code = 354;
    int final_code = 250;
};

struct Record {
    bool connected = false;
    bool tls = false;
    bool tls_failed = false;
    int tls_version = 0;
    std::string sni;
    std::vector<std::string> commands;
    std::string auth_plain;  // the PLAIN response, base64
    int rcpt_count = 0;
    bool message_received = false;
    std::string data;  // as received, dot-stuffed, without the final ".\r\n"
    bool has(const std::string& prefix) const {
        for (const auto& c : commands)
            if (c.rfind(prefix, 0) == 0) return true;
        return false;
    }
};

class SmtpServer {
public:
    explicit SmtpServer(Script script) : script_(script) {
        listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        CPPUNIT_ASSERT(listener_ >= 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof a;
        CPPUNIT_ASSERT(::bind(listener_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
        CPPUNIT_ASSERT(::listen(listener_, 4) == 0);
        CPPUNIT_ASSERT(::getsockname(listener_, reinterpret_cast<sockaddr*>(&a), &len) == 0);
        port_ = ntohs(a.sin_port);
        if (script_.implicit_tls || script_.offer_starttls) {
            ctx_ = SSL_CTX_new(TLS_server_method());
            SSL_CTX_use_certificate(ctx_, script_.cert ? script_.cert : pki().localhost.get());
            SSL_CTX_use_PrivateKey(ctx_, pki().key.get());
        }
        thread_ = std::thread([this] { run(); });
    }
    ~SmtpServer() {
        if (thread_.joinable()) thread_.join();
        ::close(listener_);
        SSL_CTX_free(ctx_);
    }
    int port() const { return port_; }
    // Waits for the conversation to end.
    const Record& record() {
        if (thread_.joinable()) thread_.join();
        return record_;
    }

private:
    struct Conn {
        int fd = -1;
        SSL* ssl = nullptr;
        std::string in;
        ~Conn() {
            if (ssl) SSL_free(ssl);
            if (fd >= 0) ::close(fd);
        }
        bool fill() {
            char b[4096];
            int n = ssl ? SSL_read(ssl, b, sizeof b) : static_cast<int>(::recv(fd, b, sizeof b, MSG_PEEK));
            if (!ssl && n > 0) {  // up to the first LF: a ClientHello after STARTTLS stays for SSL_accept
                auto* lf = static_cast<char*>(std::memchr(b, '\n', static_cast<std::size_t>(n)));
                n = static_cast<int>(::recv(fd, b, lf ? static_cast<std::size_t>(lf - b + 1) : static_cast<std::size_t>(n), 0));
            }
            if (n <= 0) return false;
            in.append(b, static_cast<std::size_t>(n));
            return true;
        }
        bool read_line(std::string& line) {
            std::size_t pos;
            while ((pos = in.find("\r\n")) == std::string::npos) {
                if (in.size() > 100000 || !fill()) return false;
            }
            line = in.substr(0, pos);
            in.erase(0, pos + 2);
            return true;
        }
        bool write(const std::string& s) {
            std::size_t done = 0;
            while (done < s.size()) {
                int n = ssl ? SSL_write(ssl, s.data() + done, static_cast<int>(s.size() - done))
                            : static_cast<int>(::send(fd, s.data() + done, s.size() - done, MSG_NOSIGNAL));
                if (n <= 0) return false;
                done += static_cast<std::size_t>(n);
            }
            return true;
        }
    };

    bool start_tls(Conn& c) {
        c.ssl = SSL_new(ctx_);
        SSL_set_fd(c.ssl, c.fd);
        if (SSL_accept(c.ssl) != 1) {
            record_.tls_failed = true;
            ERR_clear_error();
            return false;
        }
        record_.tls = true;
        record_.tls_version = SSL_version(c.ssl);
        if (const char* name = SSL_get_servername(c.ssl, TLSEXT_NAMETYPE_host_name)) record_.sni = name;
        return true;
    }

    void run() {
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGPIPE);
        pthread_sigmask(SIG_BLOCK, &set, nullptr);
        pollfd p{listener_, POLLIN, 0};
        if (::poll(&p, 1, 8000) <= 0) return;
        Conn c;
        c.fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
        if (c.fd < 0) return;
        record_.connected = true;
        timeval tv{5, 0};
        setsockopt(c.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        setsockopt(c.fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        converse(c);
        ERR_clear_error();
    }

    static std::string reply(int code, const std::string& text) { return std::to_string(code) + " " + text + "\r\n"; }

    void converse(Conn& c) {
        if (script_.implicit_tls && !start_tls(c)) return;
        std::string line;
        bool authenticated = false;
        int recipients = 0;
        if (!script_.greet) {
            c.read_line(line);  // until the client gives up
            return;
        }
        if (script_.drip_ms > 0) {
            std::string greeting = "220 " + std::string(300, 'x') + "\r\n";
            for (char ch : greeting) {
                if (!c.write(std::string(1, ch))) return;
                std::this_thread::sleep_for(std::chrono::milliseconds(script_.drip_ms));
            }
        } else if (!c.write(reply(script_.greeting_code, "test.local ESMTP scripted"))) {
            return;
        }
        while (c.read_line(line)) {
            record_.commands.push_back(line);
            std::string verb = line.substr(0, line.find(' '));
            for (char& ch : verb) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
            if (verb == "EHLO") {
                std::string r = "250-test.local greets you\r\n";
                if (script_.offer_starttls && !c.ssl) r += "250-STARTTLS\r\n";
                if (script_.offer_auth) r += "250-AUTH PLAIN LOGIN\r\n";
                r += "250 8BITMIME\r\n";
                if (script_.starttls_early && !c.ssl) {
                    // As a man in the middle would: it sends STARTTLS to the
                    // server itself once libesmtp's ClientHello comes.
                    c.write(r + "220 go ahead\r\n250 injected\r\n");
                    if (!start_tls(c)) return;
                    continue;
                }
                c.write(r);
            } else if (verb == "HELO") {
                c.write(reply(250, "test.local"));
            } else if (verb == "STARTTLS" && script_.offer_starttls && !c.ssl) {
                if (script_.starttls_code != 220) {
                    c.write(reply(script_.starttls_code, "4.7.0 TLS not available now"));
                    continue;
                }
                if (script_.starttls_split) {
                    // Each line in a read of its own: only the second carries the injection.
                    c.write("220-go\r\n");
                    std::this_thread::sleep_for(std::chrono::milliseconds(100));
                    c.write("220 ahead\r\n250 injected\r\n");
                } else {
                    c.write(reply(220, "go ahead") + (script_.starttls_inject ? "250 injected\r\n" : ""));
                }
                if (!start_tls(c)) return;
            } else if (verb == "AUTH" && script_.offer_auth) {
                std::string rest = line.size() > 5 ? line.substr(5) : "";
                std::string mech = rest.substr(0, rest.find(' '));
                std::string initial = rest.find(' ') == std::string::npos ? "" : rest.substr(rest.find(' ') + 1);
                if (mech == "PLAIN") {
                    if (initial.empty()) {
                        c.write("334 \r\n");
                        if (!c.read_line(initial)) return;
                    }
                    record_.auth_plain = initial;
                } else if (mech == "LOGIN") {
                    std::string user = initial, pass;
                    if (user.empty()) {
                        c.write("334 VXNlcm5hbWU6\r\n");
                        if (!c.read_line(user)) return;
                    }
                    c.write("334 UGFzc3dvcmQ6\r\n");
                    if (!c.read_line(pass)) return;
                    record_.auth_plain = b64_encode(std::string(1, '\0') + b64_decode(user) + '\0' + b64_decode(pass));
                }
                bool accepted = script_.auth_code < 300;
                authenticated = authenticated || accepted;
                c.write(reply(script_.auth_code, accepted ? "2.7.0 authenticated" : "5.7.8 bad credentials"));
            } else if (verb == "MAIL") {
                if (script_.require_auth && !authenticated) c.write(reply(530, "5.7.0 Authentication required"));
                else c.write(reply(script_.mail_code, "sender"));
            } else if (verb == "RCPT") {
                ++record_.rcpt_count;
                c.write(reply(script_.rcpt_code, script_.rcpt_code < 300 ? "recipient ok" : "5.1.1 no such user"));
                recipients += script_.rcpt_code < 300;
            } else if (verb == "DATA") {
                if (recipients == 0) {  // RFC 5321 3.3: no valid recipients
                    c.write(reply(554, "5.5.1 no valid recipients"));
                    continue;
                }
                if (script_.data_code != 354) {
                    c.write(reply(script_.data_code, "5.3.0 no data today"));
                    continue;
                }
                c.write(reply(354, "end with <CRLF>.<CRLF>"));
                std::string data_line;
                while (true) {
                    if (!c.read_line(data_line)) return;
                    if (data_line == ".") break;
                    record_.data += data_line + "\r\n";
                }
                record_.message_received = true;
                c.write(reply(script_.final_code, script_.final_code < 300 ? "queued" : "5.7.1 message rejected"));
            } else if (verb == "RSET" || verb == "NOOP") {
                c.write(reply(250, "ok"));
            } else if (verb == "QUIT") {
                c.write(reply(221, "bye"));
                return;
            } else {
                c.write(reply(502, "not implemented"));
            }
        }
    }

    Script script_;
    int listener_ = -1;
    int port_ = 0;
    SSL_CTX* ctx_ = nullptr;
    Record record_;
    std::thread thread_;
};

std::string unstuff(const std::string& data) {
    std::string out;
    for (const std::string& line : lines_of(data)) out += (line.rfind("..", 0) == 0 ? line.substr(1) : line) + "\r\n";
    return out;
}

auth::Config mail_config(const std::string& server, int port, bool starttls = false, bool ssl_tls = false) {
    auth::Config c;
    c.mail_server = server;
    c.mail_port = port;
    c.mail_from = "noreply@sessionauth.test";
    c.mail_starttls = starttls;
    c.mail_ssl_tls = ssl_tls;
    return c;
}

// A port on 127.0.0.1 where nothing listens.
int closed_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    ::close(fd);
    return ntohs(a.sin_port);
}

// A listener on 127.0.0.1 whose accept queue is full: the kernel drops
// further SYNs, so a connect() to it hangs as to a host that drops packets.
struct FullListener {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    std::vector<int> fillers;
    int port = 0;
    FullListener() {
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof a;
        CPPUNIT_ASSERT(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 && ::listen(fd, 0) == 0);
        CPPUNIT_ASSERT(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0);
        port = ntohs(a.sin_port);
        for (int i = 0; i < 3; ++i) {
            fillers.push_back(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
            ::connect(fillers.back(), reinterpret_cast<sockaddr*>(&a), sizeof a);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ~FullListener() {
        for (int f : fillers) ::close(f);
        ::close(fd);
    }
};

std::string message_with_dot_line() {
    auth::MailMessage m = sample();
    m.text = "first line\n.\n..two dots\nlast line";
    return auth::build_message(m, 1'700'000'000);
}

// The MailError text of a send that must fail.
std::string send_error(auth::SmtpMailer& mailer, const std::string& message,
                       const std::string& to = "user@example.test") {
    try {
        mailer.send("noreply@sessionauth.test", to, message);
    } catch (const auth::MailError& e) {
        return e.what();
    }
    CPPUNIT_FAIL("send succeeded but should have failed");
    return "";
}

}  // namespace

class MailerTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(MailerTest);
    CPPUNIT_TEST(headers_are_present_and_lines_end_in_crlf);
    CPPUNIT_TEST(message_ids_and_boundaries_are_random);
    CPPUNIT_TEST(text_only_message_has_no_multipart);
    CPPUNIT_TEST(multipart_parts_decode_to_the_bodies);
    CPPUNIT_TEST(ascii_subject_is_kept_as_is);
    CPPUNIT_TEST(non_ascii_subject_is_rfc2047_encoded);
    CPPUNIT_TEST(long_subject_is_split_on_character_boundaries);
    CPPUNIT_TEST(body_line_with_only_a_dot_is_kept);
    CPPUNIT_TEST(quoted_printable_round_trips_long_lines_and_non_ascii);
    CPPUNIT_TEST(quoted_printable_escapes_equals_and_trailing_space);
    CPPUNIT_TEST(header_injection_in_addresses_is_refused);
    CPPUNIT_TEST(header_injection_in_subject_is_refused);
    CPPUNIT_TEST(invalid_utf8_is_refused);
    CPPUNIT_TEST(recording_mailer_records_and_fails_on_request);
    CPPUNIT_TEST(smtp_send_delivers_exactly_one_message);
    CPPUNIT_TEST(smtp_send_refuses_injected_envelope_addresses);
    CPPUNIT_TEST(smtp_send_refuses_bare_lf_messages);
    CPPUNIT_TEST(smtp_recipient_refused_is_an_error);
    CPPUNIT_TEST(smtp_sender_refused_is_an_error);
    CPPUNIT_TEST(smtp_data_refused_is_an_error);
    CPPUNIT_TEST(smtp_message_refused_after_data_is_an_error);
    CPPUNIT_TEST(smtp_greeting_refused_is_an_error);
    CPPUNIT_TEST(smtp_server_not_listening_fails_quickly);
    CPPUNIT_TEST(smtp_server_that_never_greets_times_out);
    CPPUNIT_TEST(smtp_connect_that_hangs_times_out);
    CPPUNIT_TEST(smtp_slow_server_is_cut_off);
    CPPUNIT_TEST(smtp_starttls_required_but_not_offered);
    CPPUNIT_TEST(smtp_starttls_refused_by_the_server);
    CPPUNIT_TEST(smtp_starttls_refuses_plaintext_injected_after_220);
    CPPUNIT_TEST(smtp_starttls_refuses_a_reply_that_came_before_the_command);
    CPPUNIT_TEST(smtp_starttls_refuses_a_reply_of_more_than_one_line);
    CPPUNIT_TEST(smtp_starttls_server_that_never_greets_times_out);
    CPPUNIT_TEST(smtp_auth_plain_sends_the_credentials);
    CPPUNIT_TEST(smtp_no_auth_when_only_one_credential_is_set);
    CPPUNIT_TEST(smtp_auth_failure_is_an_error);
    CPPUNIT_TEST(smtp_auth_not_offered_is_an_error);
    CPPUNIT_TEST(smtp_starttls_delivers_with_a_trusted_certificate);
    CPPUNIT_TEST(smtp_starttls_to_an_ip_address);
    CPPUNIT_TEST(libesmtp_starttls_capped_at_tls12_always_sends);
    CPPUNIT_TEST(smtp_starttls_refuses_an_untrusted_certificate);
    CPPUNIT_TEST(smtp_starttls_refuses_a_certificate_for_another_host);
    CPPUNIT_TEST(smtp_implicit_tls_delivers_through_the_tunnel);
    CPPUNIT_TEST(smtp_implicit_tls_refuses_an_untrusted_certificate);
    CPPUNIT_TEST(smtp_implicit_tls_against_a_plain_server_fails_quickly);
    CPPUNIT_TEST_SUITE_END();

public:
    void setUp() override { pki(); }

    void headers_are_present_and_lines_end_in_crlf() {
        std::string m = auth::build_message(sample(), 1'700'000'000);
        CPPUNIT_ASSERT(only_crlf(m));
        CPPUNIT_ASSERT(m.size() >= 2 && m.compare(m.size() - 2, 2, "\r\n") == 0);
        Parsed p = parse(m);
        CPPUNIT_ASSERT_EQUAL(std::string("noreply@sessionauth.test"), p.header("From"));
        CPPUNIT_ASSERT_EQUAL(std::string("user@example.test"), p.header("To"));
        CPPUNIT_ASSERT_EQUAL(std::string("Reset your password"), p.header("Subject"));
        CPPUNIT_ASSERT_EQUAL(std::string("Tue, 14 Nov 2023 22:13:20 +0000"), p.header("Date"));
        CPPUNIT_ASSERT_EQUAL(std::string("1.0"), p.header("MIME-Version"));
        std::string id = p.header("Message-ID");
        CPPUNIT_ASSERT_MESSAGE(id, id.size() > 20 && id.front() == '<' && id.back() == '>');
        CPPUNIT_ASSERT_MESSAGE(id, id.find("@sessionauth.test>") == id.size() - 18);
        CPPUNIT_ASSERT(id.find_first_of(" \t\r\n\"") == std::string::npos);
        for (const char* name : {"From", "To", "Subject", "Date", "Message-ID", "MIME-Version", "Content-Type"})
            CPPUNIT_ASSERT_EQUAL_MESSAGE(name, 1, p.count(name));
        CPPUNIT_ASSERT_EQUAL(0, p.count("Bcc"));
        CPPUNIT_ASSERT_EQUAL(0, p.count("Cc"));
        // Every line is within the RFC 5322 limit of 78 recommended characters.
        for (const std::string& line : lines_of(m)) CPPUNIT_ASSERT_MESSAGE(line, line.size() <= 78);
        // Nothing but ASCII anywhere.
        for (unsigned char c : m) CPPUNIT_ASSERT(c < 0x80);
    }

    void message_ids_and_boundaries_are_random() {
        Parsed a = parse(auth::build_message(sample(), 1'700'000'000));
        Parsed b = parse(auth::build_message(sample(), 1'700'000'000));
        CPPUNIT_ASSERT(a.header("Message-ID") != b.header("Message-ID"));
        CPPUNIT_ASSERT(a.header("Content-Type") != b.header("Content-Type"));
    }

    void text_only_message_has_no_multipart() {
        std::string m = auth::build_message(sample(""), 1'700'000'000);
        Parsed p = parse(m);
        CPPUNIT_ASSERT_EQUAL(std::string("text/plain; charset=utf-8"), p.header("Content-Type"));
        CPPUNIT_ASSERT_EQUAL(std::string("quoted-printable"), p.header("Content-Transfer-Encoding"));
        CPPUNIT_ASSERT(!contains(m, "multipart"));
        CPPUNIT_ASSERT_EQUAL(std::string(kSampleText),
                             qp_decode(p.body));
    }

    void multipart_parts_decode_to_the_bodies() {
        auth::MailMessage msg = sample("<p>Grüße, <a href=\"https://x.test/?a=1&amp;b=2\">link</a></p>");
        std::string m = auth::build_message(msg, 1'700'000'000);
        Parsed p = parse(m);
        std::string type = p.header("Content-Type");
        const std::string prefix = "multipart/alternative; boundary=\"";
        CPPUNIT_ASSERT_MESSAGE(type, type.rfind(prefix, 0) == 0 && type.back() == '"');
        std::string boundary = type.substr(prefix.size(), type.size() - prefix.size() - 1);
        CPPUNIT_ASSERT(boundary.size() >= 20 && boundary.size() <= 70);
        auto body_lines = lines_of(p.body);
        std::vector<std::size_t> delimiters;
        std::size_t closing = 0;
        for (std::size_t i = 0; i < body_lines.size(); ++i) {
            if (body_lines[i] == "--" + boundary) delimiters.push_back(i);
            if (body_lines[i] == "--" + boundary + "--") closing = i;
        }
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), delimiters.size());
        CPPUNIT_ASSERT(closing > delimiters[1]);
        auto part = [&](std::size_t from, std::size_t to) {
            std::string text;
            for (std::size_t i = from + 1; i < to; ++i) text += body_lines[i] + "\r\n";
            // The CRLF before a delimiter belongs to the delimiter.
            text.erase(text.size() - 2);
            return parse(text);
        };
        Parsed plain = part(delimiters[0], delimiters[1]);
        Parsed html = part(delimiters[1], closing);
        CPPUNIT_ASSERT_EQUAL(std::string("text/plain; charset=utf-8"), plain.header("Content-Type"));
        CPPUNIT_ASSERT_EQUAL(std::string("text/html; charset=utf-8"), html.header("Content-Type"));
        CPPUNIT_ASSERT_EQUAL(std::string("quoted-printable"), plain.header("Content-Transfer-Encoding"));
        CPPUNIT_ASSERT_EQUAL(std::string("quoted-printable"), html.header("Content-Transfer-Encoding"));
        CPPUNIT_ASSERT_EQUAL(std::string(kSampleText),
                             qp_decode(plain.body));
        CPPUNIT_ASSERT_EQUAL(msg.html + "\r\n", qp_decode(html.body));
    }

    void ascii_subject_is_kept_as_is() {
        auth::MailMessage msg = sample();
        msg.subject = "Your password was changed";
        Parsed p = parse(auth::build_message(msg, 0));
        CPPUNIT_ASSERT_EQUAL(msg.subject, p.header("Subject"));
        // Text that looks like an encoded word is encoded rather than sent raw.
        msg.subject = "=?UTF-8?B?SGk=?=";
        p = parse(auth::build_message(msg, 0));
        CPPUNIT_ASSERT_EQUAL(msg.subject, decode_subject(p.header("Subject")));
    }

    void non_ascii_subject_is_rfc2047_encoded() {
        auth::MailMessage msg = sample();
        msg.subject = "Passwort zurücksetzen 🔑";
        std::string m = auth::build_message(msg, 0);
        CPPUNIT_ASSERT(contains(m, "\r\nSubject: =?UTF-8?B?"));
        for (unsigned char c : m) CPPUNIT_ASSERT(c < 0x80);
        Parsed p = parse(m);
        CPPUNIT_ASSERT_EQUAL(msg.subject, decode_subject(p.header("Subject")));
    }

    void long_subject_is_split_on_character_boundaries() {
        auth::MailMessage msg = sample();
        msg.subject = "";
        for (int i = 0; i < 40; ++i) msg.subject += "ü🔑a";
        std::string m = auth::build_message(msg, 0);
        for (const std::string& line : lines_of(m)) CPPUNIT_ASSERT_MESSAGE(line, line.size() <= 78);
        std::size_t words = 0;
        CPPUNIT_ASSERT_EQUAL(msg.subject, decode_subject(parse(m).header("Subject"), &words));
        CPPUNIT_ASSERT(words >= 6);
        // A long ASCII subject is folded the same way rather than exceeding a line.
        msg.subject = std::string(150, 'a');
        m = auth::build_message(msg, 0);
        for (const std::string& line : lines_of(m)) CPPUNIT_ASSERT_MESSAGE(line, line.size() <= 78);
        CPPUNIT_ASSERT_EQUAL(msg.subject, decode_subject(parse(m).header("Subject")));
    }

    void body_line_with_only_a_dot_is_kept() {
        std::string m = message_with_dot_line();
        CPPUNIT_ASSERT(contains(m, "\r\n.\r\n"));
        CPPUNIT_ASSERT(only_crlf(m));
        auth::MailMessage msg = sample("");
        msg.text = "first line\n.\n..two dots\nlast line";
        Parsed p = parse(auth::build_message(msg, 0));
        CPPUNIT_ASSERT_EQUAL(std::string("first line\r\n.\r\n..two dots\r\nlast line\r\n"), qp_decode(p.body));
    }

    void quoted_printable_round_trips_long_lines_and_non_ascii() {
        std::string long_line;
        for (int i = 0; i < 40; ++i) long_line += "wörd " + std::to_string(i) + " 🔑=x ";
        std::string text = long_line + "\n" + std::string(200, 'z') + "\r\nend\rmixed\n\nÄÖÜ ß";
        auth::MailMessage msg = sample("");
        msg.text = text;
        Parsed p = parse(auth::build_message(msg, 0));
        std::string expected = long_line + "\r\n" + std::string(200, 'z') + "\r\nend\r\nmixed\r\n\r\nÄÖÜ ß\r\n";
        CPPUNIT_ASSERT_EQUAL(expected, qp_decode(p.body));
        CPPUNIT_ASSERT(lines_of(p.body).size() > 10);
    }

    void quoted_printable_escapes_equals_and_trailing_space() {
        auth::MailMessage msg = sample("");
        msg.text = "a=b   \ntab\t\nend =\n" + std::string(75, 'q') + "=\n" + std::string(74, ' ') + "\x01";
        Parsed p = parse(auth::build_message(msg, 0));
        CPPUNIT_ASSERT(contains(p.body, "a=3Db  =20\r\n"));
        CPPUNIT_ASSERT(contains(p.body, "tab=09\r\n"));
        CPPUNIT_ASSERT_EQUAL(msg.text.substr(0, 6) + "\r\ntab\t\r\nend =\r\n" + std::string(75, 'q') + "=\r\n" +
                                 std::string(74, ' ') + "\x01\r\n",
                             qp_decode(p.body));
    }

    void header_injection_in_addresses_is_refused() {
        const char* bad[] = {
            "a@x.test\r\nBcc: v@y.test",
            "a@x.test>\r\nRCPT TO:<b@y.test",
            "a@x.test\nBcc: v@y.test",
            "a@x.test\rBcc: v@y.test",
            "a@x.test, b@y.test",
            "a@x.test,b@y.test",
            "<a@x.test>",
            "A <a@x.test>",
            "a b@x.test",
            "a@x.test ",
            "\"a\"@x.test",
            "a@x.test;b@y.test",
            "",
            "no-at-sign",
        };
        for (const char* address : bad) {
            auth::MailMessage to = sample();
            to.to = address;
            CPPUNIT_ASSERT_THROW_MESSAGE(address, auth::build_message(to, 0), auth::MailError);
            auth::MailMessage from = sample();
            from.from = address;
            CPPUNIT_ASSERT_THROW_MESSAGE(address, auth::build_message(from, 0), auth::MailError);
        }
        auth::MailMessage nul = sample();
        nul.to = std::string("a@x.test\0Bcc: v@y.test", 22);
        CPPUNIT_ASSERT_THROW(auth::build_message(nul, 0), auth::MailError);
    }

    void header_injection_in_subject_is_refused() {
        for (const char* subject : {"Hi\r\nBcc: v@y.test", "Hi\nBcc: v@y.test", "Hi\rthere", "tab\there", "bell\a",
                                    "del\x7f", "bidi \xE2\x80\xAE override"}) {
            auth::MailMessage msg = sample();
            msg.subject = subject;
            CPPUNIT_ASSERT_THROW_MESSAGE(subject, auth::build_message(msg, 0), auth::MailError);
        }
        auth::MailMessage msg = sample();
        msg.subject = std::string("nul\0here", 8);
        CPPUNIT_ASSERT_THROW(auth::build_message(msg, 0), auth::MailError);
    }

    void invalid_utf8_is_refused() {
        auth::MailMessage msg = sample();
        msg.subject = "bad \xC3";
        CPPUNIT_ASSERT_THROW(auth::build_message(msg, 0), auth::MailError);
        msg = sample();
        msg.text = "overlong \xC0\xAF";
        CPPUNIT_ASSERT_THROW(auth::build_message(msg, 0), auth::MailError);
        msg = sample("\xFF");
        CPPUNIT_ASSERT_THROW(auth::build_message(msg, 0), auth::MailError);
    }

    void recording_mailer_records_and_fails_on_request() {
        test::RecordingMailer mailer;
        mailer.send("a@x.test", "b@y.test", "message");
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), mailer.sent.size());
        CPPUNIT_ASSERT_EQUAL(std::string("a@x.test"), mailer.sent[0].from);
        CPPUNIT_ASSERT_EQUAL(std::string("b@y.test"), mailer.sent[0].to);
        CPPUNIT_ASSERT_EQUAL(std::string("message"), mailer.sent[0].message);
        mailer.fail = true;
        CPPUNIT_ASSERT_THROW(mailer.send("a@x.test", "b@y.test", "again"), auth::MailError);
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), mailer.sent.size());
    }

    void smtp_send_delivers_exactly_one_message() {
        SmtpServer server(Script{});
        auth::SmtpMailer mailer(mail_config("127.0.0.1", server.port()), 1000);
        std::string message = message_with_dot_line();
        mailer.send("noreply@sessionauth.test", "user@example.test", message);
        const Record& r = server.record();
        CPPUNIT_ASSERT(r.message_received);
        CPPUNIT_ASSERT_EQUAL(1, r.rcpt_count);
        CPPUNIT_ASSERT(r.has("MAIL FROM:<noreply@sessionauth.test>"));
        CPPUNIT_ASSERT(r.has("RCPT TO:<user@example.test>"));
        CPPUNIT_ASSERT(!r.has("AUTH"));
        CPPUNIT_ASSERT(!r.has("STARTTLS"));
        // libesmtp dot-stuffed the "." and ".." lines, and passed the
        // message on byte for byte.
        CPPUNIT_ASSERT(contains(r.data, "\r\n..\r\n"));
        CPPUNIT_ASSERT(contains(r.data, "\r\n...two dots\r\n"));
        CPPUNIT_ASSERT_EQUAL(message, unstuff(r.data));
    }

    void smtp_send_refuses_injected_envelope_addresses() {
        auth::SmtpMailer mailer(mail_config("127.0.0.1", closed_port()), 1000);
        std::string message = auth::build_message(sample(), 0);
        for (const char* to : {"a@x.test\r\nBcc: v@y.test", "a@x.test>\r\nRCPT TO:<b@y.test", "a@x.test,b@y.test"}) {
            std::string error = send_error(mailer, message, to);
            CPPUNIT_ASSERT_MESSAGE(error, contains(error, "address"));
        }
        try {
            mailer.send("a@x.test>\r\nRCPT TO:<b@y.test", "user@example.test", message);
            CPPUNIT_FAIL("injected sender accepted");
        } catch (const auth::MailError& e) {
            CPPUNIT_ASSERT_MESSAGE(e.what(), contains(e.what(), "address"));
        }
    }

    void smtp_send_refuses_bare_lf_messages() {
        auth::SmtpMailer mailer(mail_config("127.0.0.1", closed_port()), 1000);
        std::string error = send_error(mailer, "From: a@x.test\nTo: b@y.test\n\nbody\n");
        CPPUNIT_ASSERT_MESSAGE(error, contains(error, "CRLF"));
    }

    void smtp_recipient_refused_is_an_error() {
        Script s;
        s.rcpt_code = 550;
        SmtpServer server(s);
        auth::SmtpMailer mailer(mail_config("127.0.0.1", server.port()), 1000);
        std::string error = send_error(mailer, auth::build_message(sample(), 0));
        CPPUNIT_ASSERT_MESSAGE(error, contains(error, "recipient refused: 550"));
        CPPUNIT_ASSERT(!server.record().message_received);
        CPPUNIT_ASSERT_EQUAL(1, server.record().rcpt_count);
    }

    void smtp_sender_refused_is_an_error() {
        Script s;
        s.mail_code = 553;
        SmtpServer server(s);
        auth::SmtpMailer mailer(mail_config("127.0.0.1", server.port()), 1000);
        std::string error = send_error(mailer, auth::build_message(sample(), 0));
        CPPUNIT_ASSERT_MESSAGE(error, contains(error, "553"));
        CPPUNIT_ASSERT(!server.record().message_received);
    }

    void smtp_data_refused_is_an_error() {
        Script s;
        s.data_code = 554;
        SmtpServer server(s);
        auth::SmtpMailer mailer(mail_config("127.0.0.1", server.port()), 1000);
        std::string error = send_error(mailer, auth::build_message(sample(), 0));
        CPPUNIT_ASSERT_MESSAGE(error, contains(error, "554"));
        CPPUNIT_ASSERT(!server.record().message_received);
    }

    void smtp_message_refused_after_data_is_an_error() {
        Script s;
        s.final_code = 554;
        SmtpServer server(s);
        auth::SmtpMailer mailer(mail_config("127.0.0.1", server.port()), 1000);
        std::string error = send_error(mailer, auth::build_message(sample(), 0));
        CPPUNIT_ASSERT_MESSAGE(error, contains(error, "message refused: 554"));
        CPPUNIT_ASSERT(server.record().message_received);
    }

    void smtp_greeting_refused_is_an_error() {
        Script s;
        s.greeting_code = 554;
        SmtpServer server(s);
        auth::SmtpMailer mailer(mail_config("127.0.0.1", server.port()), 1000);
        auto start = Clock::now();
        std::string error = send_error(mailer, auth::build_message(sample(), 0));
        // libesmtp keeps the greeting's reply to itself: no code to show.
        CPPUNIT_ASSERT_MESSAGE(std::to_string(elapsed_ms(start)), elapsed_ms(start) < 900);
        CPPUNIT_ASSERT_MESSAGE(error, contains(error, "refused the session"));
        CPPUNIT_ASSERT(!server.record().has("EHLO"));
        CPPUNIT_ASSERT(!server.record().has("MAIL"));
    }

    void smtp_server_not_listening_fails_quickly() {
        auth::SmtpMailer mailer(mail_config("127.0.0.1", closed_port()), 1000);
        auto start = Clock::now();
        std::string error = send_error(mailer, auth::build_message(sample(), 0));
        CPPUNIT_ASSERT_MESSAGE(std::to_string(elapsed_ms(start)), elapsed_ms(start) < 500);
        CPPUNIT_ASSERT_MESSAGE(error, contains(error, "cannot connect") && contains(error, "refused"));
    }

    void smtp_server_that_never_greets_times_out() {
        Script s;
        s.greet = false;
        SmtpServer server(s);
        auth::SmtpMailer mailer(mail_config("127.0.0.1", server.port()), 1000);
        auto start = Clock::now();
        std::string error = send_error(mailer, auth::build_message(sample(), 0));
        long ms = elapsed_ms(start);
        CPPUNIT_ASSERT_MESSAGE(std::to_string(ms), ms >= 900 && ms < 3000);
        CPPUNIT_ASSERT_MESSAGE(error, contains(error, "dropped connection") && contains(error, "no reply within 1000 ms"));
        CPPUNIT_ASSERT(server.record().connected);
    }

    // libesmtp's connect() (plain) ends by the connect timer's SIGALRM, the
    // relay's (implicit TLS) by SO_SNDTIMEO.
    void smtp_connect_that_hangs_times_out() {
        FullListener listener;
        for (bool implicit_tls : {false, true}) {
            auth::SmtpMailer mailer(mail_config("127.0.0.1", listener.port, false, implicit_tls), 1000);
            auto start = Clock::now();
            std::string error = send_error(mailer, auth::build_message(sample(), 0));
            long ms = elapsed_ms(start);
            CPPUNIT_ASSERT_MESSAGE(std::to_string(ms), ms >= 900 && ms < 3000);
            CPPUNIT_ASSERT_MESSAGE(error, contains(error, "cannot connect: no answer within 1000 ms"));
        }
    }

    void smtp_slow_server_is_cut_off() {
        // One byte every 100 ms never trips a 1000 ms read timeout; the
        // implicit-TLS relay's session limit (6 x 1000 ms) ends it. (With
        // libesmtp alone only the step timeouts and sessionauth-deliver's
        // limit on a whole run apply.)
        Script s;
        s.drip_ms = 100;
        s.implicit_tls = true;
        SmtpServer server(s);
        auth::SmtpMailer mailer(mail_config("localhost", server.port(), false, true), 1000);
        auto start = Clock::now();
        std::string error = send_error(mailer, auth::build_message(sample(), 0));
        long ms = elapsed_ms(start);
        CPPUNIT_ASSERT_MESSAGE(std::to_string(ms), ms >= 5500 && ms < 9000);
        CPPUNIT_ASSERT_MESSAGE(error, contains(error, "limit"));
    }

    void smtp_starttls_required_but_not_offered() {
        SmtpServer server(Script{});
        auth::SmtpMailer mailer(mail_config("127.0.0.1", server.port(), true), 1000);
        std::string error = send_error(mailer, auth::build_message(sample(), 0));
        CPPUNIT_ASSERT_MESSAGE(error, contains(error, "STARTTLS"));
        const Record& r = server.record();
        CPPUNIT_ASSERT(r.has("EHLO"));
        CPPUNIT_ASSERT(!r.has("MAIL"));
        CPPUNIT_ASSERT(!r.has("RCPT"));
        CPPUNIT_ASSERT(!r.message_received);
    }

    void smtp_starttls_refused_by_the_server() {
        Script s;
        s.offer_starttls = true;
        s.starttls_code = 454;
        SmtpServer server(s);
        auth::SmtpMailer mailer(mail_config("localhost", server.port(), true), 1000);
        auto start = Clock::now();
        std::string error = send_error(mailer, auth::build_message(sample(), 0));
        // libesmtp keeps the reply (454) to itself.
        CPPUNIT_ASSERT_MESSAGE(std::to_string(elapsed_ms(start)), elapsed_ms(start) < 900);
        CPPUNIT_ASSERT_MESSAGE(error, contains(error, "STARTTLS failed: refused by the server"));
        CPPUNIT_ASSERT(server.record().has("STARTTLS"));
        CPPUNIT_ASSERT(!server.record().tls);
        CPPUNIT_ASSERT(!server.record().has("MAIL"));
    }

    void smtp_starttls_refuses_plaintext_injected_after_220() {
        Script s;
        s.offer_starttls = true;
        s.starttls_inject = true;
        SmtpServer server(s);
        auth::SmtpMailer mailer(mail_config("localhost", server.port(), true), 1000);
        std::string error = send_error(mailer, auth::build_message(sample(), 0));
        // Caught before TLS if it arrives with the 220 (as it does on
        // loopback); were it late, it would break the handshake instead.
        CPPUNIT_ASSERT_MESSAGE(error,
                               contains(error, "after agreeing to STARTTLS") || contains(error, "TLS handshake"));
        CPPUNIT_ASSERT(!server.record().has("MAIL"));
    }

    // The same injection, sent before the command: libesmtp would take the
    // reply from its buffer and the injected line after TLS.
    void smtp_starttls_refuses_a_reply_that_came_before_the_command() {
        Script s;
        s.offer_starttls = true;
        s.starttls_early = true;
        SmtpServer server(s);
        auth::SmtpMailer mailer(mail_config("localhost", server.port(), true), 1000);
        std::string error = send_error(mailer, auth::build_message(sample(), 0));
        CPPUNIT_ASSERT_MESSAGE(error, contains(error, "answered STARTTLS before it was sent"));
        CPPUNIT_ASSERT(server.record().tls_failed);
        CPPUNIT_ASSERT(!server.record().has("MAIL"));
    }

    // A two-line reply whose lines come in reads of their own: the first
    // ends a read with its LF, the injection rides on the second.
    void smtp_starttls_refuses_a_reply_of_more_than_one_line() {
        Script s;
        s.offer_starttls = true;
        s.starttls_split = true;
        SmtpServer server(s);
        auth::SmtpMailer mailer(mail_config("localhost", server.port(), true), 1000);
        std::string error = send_error(mailer, auth::build_message(sample(), 0));
        CPPUNIT_ASSERT_MESSAGE(error, contains(error, "more than one line"));
        CPPUNIT_ASSERT(!server.record().has("MAIL"));
    }

    void smtp_starttls_server_that_never_greets_times_out() {
        Script s;
        s.greet = false;
        SmtpServer server(s);
        auth::SmtpMailer mailer(mail_config("localhost", server.port(), true), 1000);
        auto start = Clock::now();
        std::string error = send_error(mailer, auth::build_message(sample(), 0));
        long ms = elapsed_ms(start);
        CPPUNIT_ASSERT_MESSAGE(std::to_string(ms), ms >= 900 && ms < 3000);
        CPPUNIT_ASSERT_MESSAGE(error, contains(error, "dropped connection") && contains(error, "no reply within 1000 ms"));
        CPPUNIT_ASSERT(server.record().commands.empty());
    }

    void smtp_auth_plain_sends_the_credentials() {
        Script s;
        s.offer_auth = true;
        SmtpServer server(s);
        auth::Config c = mail_config("127.0.0.1", server.port());
        c.mail_username = "api";
        c.mail_password = "s3cret pässword";
        auth::SmtpMailer mailer(c, 1000);
        mailer.send("noreply@sessionauth.test", "user@example.test", auth::build_message(sample(), 0));
        const Record& r = server.record();
        CPPUNIT_ASSERT(r.has("AUTH PLAIN"));
        CPPUNIT_ASSERT_EQUAL(b64_encode(std::string("\0api\0s3cret pässword", 21)), r.auth_plain);
        CPPUNIT_ASSERT(r.message_received);
        // AUTH came before MAIL FROM.
        std::size_t auth_at = 0, mail_at = 0;
        for (std::size_t i = 0; i < r.commands.size(); ++i) {
            if (r.commands[i].rfind("AUTH", 0) == 0) auth_at = i;
            if (r.commands[i].rfind("MAIL", 0) == 0) mail_at = i;
        }
        CPPUNIT_ASSERT(auth_at < mail_at);
    }

    void smtp_no_auth_when_only_one_credential_is_set() {
        for (int which = 0; which < 2; ++which) {
            Script s;
            s.offer_auth = true;
            SmtpServer server(s);
            auth::Config c = mail_config("127.0.0.1", server.port());
            (which == 0 ? c.mail_username : c.mail_password) = "only-one";
            auth::SmtpMailer mailer(c, 1000);
            mailer.send("noreply@sessionauth.test", "user@example.test", auth::build_message(sample(), 0));
            const Record& r = server.record();
            CPPUNIT_ASSERT(!r.has("AUTH"));
            CPPUNIT_ASSERT(r.message_received);
        }
    }

    // libesmtp goes on to MAIL FROM after a failed AUTH (a server must take
    // mail for its own domains); a relay then refuses the sender, and that
    // status is what fails the send.
    void smtp_auth_failure_is_an_error() {
        Script s;
        s.offer_auth = true;
        s.auth_code = 535;
        s.require_auth = true;
        SmtpServer server(s);
        auth::Config c = mail_config("127.0.0.1", server.port());
        c.mail_username = "api";
        c.mail_password = "wrong";
        auth::SmtpMailer mailer(c, 1000);
        std::string error = send_error(mailer, auth::build_message(sample(), 0));
        CPPUNIT_ASSERT_MESSAGE(error, contains(error, "sender refused: 530"));
        CPPUNIT_ASSERT_MESSAGE(error, contains(error, "AUTH"));
        CPPUNIT_ASSERT_MESSAGE(error, !contains(error, "wrong") && !contains(error, "api"));
        const Record& r = server.record();
        CPPUNIT_ASSERT(r.has("AUTH"));
        CPPUNIT_ASSERT(!r.message_received);
    }

    void smtp_auth_not_offered_is_an_error() {
        Script s;
        s.require_auth = true;
        SmtpServer server(s);
        auth::Config c = mail_config("127.0.0.1", server.port());
        c.mail_username = "api";
        c.mail_password = "secret";
        auth::SmtpMailer mailer(c, 1000);
        std::string error = send_error(mailer, auth::build_message(sample(), 0));
        CPPUNIT_ASSERT_MESSAGE(error, contains(error, "530"));
        CPPUNIT_ASSERT(!server.record().message_received);
    }

    void smtp_starttls_delivers_with_a_trusted_certificate() {
        Script s;
        s.offer_starttls = true;
        s.offer_auth = true;
        SmtpServer server(s);
        auth::Config c = mail_config("localhost", server.port(), true);
        c.mail_username = "api";
        c.mail_password = "secret";
        auth::SmtpMailer mailer(c, 1000);
        std::string message = message_with_dot_line();
        mailer.send("noreply@sessionauth.test", "user@example.test", message);
        const Record& r = server.record();
        CPPUNIT_ASSERT(r.tls);
        CPPUNIT_ASSERT_EQUAL(TLS1_2_VERSION, r.tls_version);  // libesmtp's cap, see src/smtp/tls.cc
        CPPUNIT_ASSERT_EQUAL(std::string("localhost"), r.sni);
        CPPUNIT_ASSERT(r.has("STARTTLS"));
        CPPUNIT_ASSERT_EQUAL(b64_encode(std::string("\0api\0secret", 11)), r.auth_plain);
        CPPUNIT_ASSERT_EQUAL(1, r.rcpt_count);
        CPPUNIT_ASSERT_EQUAL(message, unstuff(r.data));
    }

    // Why src/smtp/tls.cc caps libesmtp's STARTTLS context at TLS 1.2:
    // libesmtp 1.1.0 itself, with a context that allows TLS 1.3, against
    // this OpenSSL server (which sends session tickets after the
    // handshake), waits for a reply to an EHLO it has not sent yet and
    // gives up after its timeout. Should this ever pass with TLS 1.3 (a
    // fixed libesmtp), the cap can go.
    static bool raw_libesmtp_send(bool cap_at_tls12) {
        Script script;
        script.offer_starttls = true;
        SmtpServer server(script);
        SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
        SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
        if (cap_at_tls12) SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
        SSL_CTX_set_default_verify_paths(ctx);
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
        X509_VERIFY_PARAM_set1_host(SSL_CTX_get0_param(ctx), "localhost", 0);
        smtp_session_t session = smtp_create_session();
        std::string where = "localhost:" + std::to_string(server.port());
        smtp_set_server(session, where.c_str());
        for (int which : {Timeout_GREETING, Timeout_ENVELOPE, Timeout_DATA, Timeout_TRANSFER, Timeout_DATA2})
            smtp_set_timeout(session, which | Timeout_OVERRIDE_RFC2822_MINIMUM, 1000);
        smtp_starttls_set_ctx(session, ctx);
        smtp_starttls_enable(session, Starttls_REQUIRED);
        smtp_message_t message = smtp_add_message(session);
        smtp_set_reverse_path(message, "noreply@sessionauth.test");
        smtp_add_recipient(message, "user@example.test");
        std::string text = auth::build_message(sample(), 0);
        smtp_set_message_str(message, text.data());
        smtp_start_session(session);
        const smtp_status_t* status = smtp_message_transfer_status(message);
        bool sent = status && status->code >= 200 && status->code < 300;
        smtp_destroy_session(session);
        SSL_CTX_free(ctx);
        server.record();
        return sent;
    }

    void libesmtp_starttls_capped_at_tls12_always_sends() {
        // Capped at TLS 1.2, as src/smtp/tls.cc does, every session goes through.
        for (int i = 0; i < 3; ++i) CPPUNIT_ASSERT(raw_libesmtp_send(true));
        // A race: on an idle loopback the tickets nearly always come first,
        // on a busy machine not always, so what TLS 1.3 does is reported
        // (to see whether the cap can go), never asserted.
        int lost = 0;
        for (int i = 0; i < 10 && lost == 0; ++i) lost += raw_libesmtp_send(false) ? 0 : 1;
        if (lost == 0) std::fprintf(stderr, "note: libesmtp sent 10 TLS 1.3 STARTTLS sessions without a loss this time\n");
    }

    void smtp_starttls_to_an_ip_address() {
        Script s;
        s.offer_starttls = true;
        SmtpServer server(s);
        auth::SmtpMailer mailer(mail_config("127.0.0.1", server.port(), true), 1000);
        mailer.send("noreply@sessionauth.test", "user@example.test", auth::build_message(sample(), 0));
        const Record& r = server.record();
        CPPUNIT_ASSERT(r.tls);
        CPPUNIT_ASSERT(r.sni.empty());  // no SNI for an IP address
        CPPUNIT_ASSERT(r.message_received);
    }

    void smtp_starttls_refuses_an_untrusted_certificate() {
        Script s;
        s.offer_starttls = true;
        s.cert = pki().self_signed.get();
        SmtpServer server(s);
        auth::SmtpMailer mailer(mail_config("localhost", server.port(), true), 1000);
        std::string error = send_error(mailer, auth::build_message(sample(), 0));
        CPPUNIT_ASSERT_MESSAGE(error, contains(error, "certificate"));
        const Record& r = server.record();
        CPPUNIT_ASSERT(r.has("STARTTLS"));
        CPPUNIT_ASSERT(!r.tls);
        CPPUNIT_ASSERT(!r.has("MAIL"));
        CPPUNIT_ASSERT(!r.message_received);
    }

    void smtp_starttls_refuses_a_certificate_for_another_host() {
        Script s;
        s.offer_starttls = true;
        s.cert = pki().other_host.get();
        SmtpServer server(s);
        auth::SmtpMailer mailer(mail_config("localhost", server.port(), true), 1000);
        std::string error = send_error(mailer, auth::build_message(sample(), 0));
        CPPUNIT_ASSERT_MESSAGE(error, contains(error, "certificate") && contains(error, "localhost"));
        CPPUNIT_ASSERT(!server.record().has("MAIL"));
        CPPUNIT_ASSERT(!server.record().message_received);
    }

    void smtp_implicit_tls_delivers_through_the_tunnel() {
        Script s;
        s.implicit_tls = true;
        s.offer_auth = true;
        SmtpServer server(s);
        auth::Config c = mail_config("localhost", server.port(), false, true);
        c.mail_username = "api";
        c.mail_password = "secret";
        auth::SmtpMailer mailer(c, 1000);
        std::string message = message_with_dot_line();
        mailer.send("noreply@sessionauth.test", "user@example.test", message);
        const Record& r = server.record();
        CPPUNIT_ASSERT(r.tls);
        CPPUNIT_ASSERT_EQUAL(TLS1_3_VERSION, r.tls_version);  // the relay lifts the cap
        CPPUNIT_ASSERT_EQUAL(std::string("localhost"), r.sni);
        CPPUNIT_ASSERT(!r.has("STARTTLS"));
        CPPUNIT_ASSERT_EQUAL(b64_encode(std::string("\0api\0secret", 11)), r.auth_plain);
        CPPUNIT_ASSERT_EQUAL(1, r.rcpt_count);
        CPPUNIT_ASSERT_EQUAL(message, unstuff(r.data));
    }

    void smtp_implicit_tls_refuses_an_untrusted_certificate() {
        Script s;
        s.implicit_tls = true;
        s.cert = pki().self_signed.get();
        SmtpServer server(s);
        auth::SmtpMailer mailer(mail_config("localhost", server.port(), false, true), 1000);
        std::string error = send_error(mailer, auth::build_message(sample(), 0));
        CPPUNIT_ASSERT_MESSAGE(error, contains(error, "certificate"));
        CPPUNIT_ASSERT(server.record().tls_failed);
        CPPUNIT_ASSERT(server.record().commands.empty());
    }

    void smtp_implicit_tls_against_a_plain_server_fails_quickly() {
        SmtpServer server(Script{});
        auth::SmtpMailer mailer(mail_config("localhost", server.port(), false, true), 1000);
        auto start = Clock::now();
        std::string error = send_error(mailer, auth::build_message(sample(), 0));
        CPPUNIT_ASSERT_MESSAGE(std::to_string(elapsed_ms(start)), elapsed_ms(start) < 3000);
        CPPUNIT_ASSERT_MESSAGE(error, contains(error, "TLS"));
        CPPUNIT_ASSERT(!server.record().message_received);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(MailerTest);
