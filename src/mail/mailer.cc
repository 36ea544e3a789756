// The RFC 5322 form of a message (build_message).
#include "mail/mailer.hh"

#include <cstdio>
#include <ctime>
#include <optional>
#include <string_view>

#include "core/crypto.hh"
#include "core/validate.hh"

namespace auth {

namespace {

constexpr std::string_view kCrlf = "\r\n";
constexpr char kHex[] = "0123456789ABCDEF";

// "Tue, 27 Nov 2026 16:51:58 +0000" (RFC 5322 section 3.3), in UTC and
// independent of the locale.
std::string rfc5322_date(std::int64_t now) {
    static const char* const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char* const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    std::time_t t = static_cast<std::time_t>(now);
    std::tm tm{};
    if (!gmtime_r(&t, &tm)) throw MailError("mail: the date is out of range");
    char buf[64];
    std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday], tm.tm_mday,
                  months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
    return buf;
}

std::string base64(std::string_view bytes) {
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 3 <= bytes.size(); i += 3) {
        unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                     static_cast<unsigned char>(bytes[i + 2]);
        out += alphabet[(v >> 18) & 63];
        out += alphabet[(v >> 12) & 63];
        out += alphabet[(v >> 6) & 63];
        out += alphabet[v & 63];
    }
    if (i < bytes.size()) {
        unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
        if (i + 1 < bytes.size()) v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
        out += alphabet[(v >> 18) & 63];
        out += alphabet[(v >> 12) & 63];
        out += i + 1 < bytes.size() ? alphabet[(v >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

// The Subject header line(s). Printable ASCII that fits on one line goes
// as it is; anything else becomes RFC 2047 "B" encoded-words of whole UTF-8
// characters, at most 42 bytes each (68 characters per word, so every line
// stays within 78), one per folded line.
std::string subject_header(const std::string& subject) {
    if (!valid_utf8(subject) || has_control_chars(subject))
        throw MailError("mail: the subject has control characters or is not UTF-8");
    bool plain = subject.size() + 9 <= 78 && subject.find("=?") == std::string::npos;
    for (unsigned char c : subject)
        if (c < 0x20 || c > 0x7e) plain = false;
    if (plain) return "Subject: " + subject + std::string(kCrlf);

    constexpr std::size_t kMaxBytes = 42;
    std::string out = "Subject:";
    std::size_t start = 0;
    while (start < subject.size()) {
        std::size_t end = start;
        while (end < subject.size()) {
            std::size_t next = end + 1;
            while (next < subject.size() && (static_cast<unsigned char>(subject[next]) & 0xC0) == 0x80) ++next;
            if (next - start > kMaxBytes) break;
            end = next;
        }
        if (start != 0) out += kCrlf;
        out += " =?UTF-8?B?" + base64(std::string_view(subject).substr(start, end - start)) + "?=";
        start = end;
    }
    if (subject.empty()) out += " ";
    out += kCrlf;
    return out;
}

// Quoted-printable (RFC 2045 section 6.7) with CRLF line ends: any line end
// of the input (CRLF, LF or CR) becomes a hard CRLF break, encoded lines
// stay within 76 characters with "=" soft breaks, and "=", controls,
// non-ASCII and whitespace before a line end are escaped.
std::string quoted_printable(std::string_view text) {
    std::string out;
    out.reserve(text.size() + text.size() / 8 + 8);
    std::size_t line_length = 0;
    auto put = [&](std::string_view token) {
        if (line_length + token.size() > 75) {
            out += "=\r\n";
            line_length = 0;
        }
        out += token;
        line_length += token.size();
    };
    for (std::size_t i = 0; i < text.size(); ++i) {
        unsigned char c = static_cast<unsigned char>(text[i]);
        if (c == '\r' || c == '\n') {
            if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
            out += kCrlf;
            line_length = 0;
            continue;
        }
        bool at_line_end = i + 1 == text.size() || text[i + 1] == '\r' || text[i + 1] == '\n';
        bool literal = (c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !at_line_end);
        if (literal) {
            char one[1] = {static_cast<char>(c)};
            put(std::string_view(one, 1));
        } else {
            char escaped[3] = {'=', kHex[c >> 4], kHex[c & 15]};
            put(std::string_view(escaped, 3));
        }
    }
    if (out.size() < 2 || out.compare(out.size() - 2, 2, kCrlf) != 0) out += kCrlf;
    return out;
}

std::string part_headers(const char* type) {
    return std::string("Content-Type: ") + type + "; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n";
}

// The From header's value: the address, after the display name when there
// is one: a quoted string when it is printable ASCII, else one RFC 2047
// "B" encoded-word (SITE_NAME is at most 60 bytes). A name with a control
// character, a quote or a backslash is refused.
std::string from_value(const std::string& name, const std::string& address) {
    if (name.empty()) return address;
    if (!valid_utf8(name) || has_control_chars(name) || name.find_first_of("\"\\") != std::string::npos ||
        name.size() > 60)
        throw MailError("mail: the From display name is not one line of plain text");
    bool ascii = true;
    for (unsigned char c : name)
        if (c > 0x7e) ascii = false;
    if (ascii) return "\"" + name + "\" <" + address + ">";
    return "=?UTF-8?B?" + base64(name) + "?= <" + address + ">";
}

}  // namespace

// normalize_email's form, and on top of that nothing that could end a
// header or an SMTP command or add a second address, whatever
// normalize_email accepts.
std::string plain_address(const std::string& address, const char* what) {
    bool plain = address.find_first_of(",<>;\"()\\") == std::string::npos;
    for (unsigned char c : address) plain = plain && c > 0x20 && c < 0x7f;
    auto normal = plain ? normalize_email(address) : std::nullopt;
    if (!normal)
        throw MailError(std::string("the ") + what + " address is not a plain email address", MailError::Scope::Message,
                        true);
    return *normal;
}

std::string build_message(const MailMessage& message, std::int64_t now) {
    const std::string from = plain_address(message.from, "From");
    const std::string to = plain_address(message.to, "To");
    const std::string subject = subject_header(message.subject);
    if (!valid_utf8(message.text) || !valid_utf8(message.html)) throw MailError("mail: the body is not UTF-8");

    const std::string domain = from.substr(from.rfind('@') + 1);
    std::string out;
    out.reserve(1024 + 2 * (message.text.size() + message.html.size()));
    out += "From: " + from_value(message.from_name, from) + "\r\n";
    out += "To: " + to + "\r\n";
    out += subject;
    out += "Date: " + rfc5322_date(now) + "\r\n";
    out += "Message-ID: <" + random_token(18) + "@" + domain + ">\r\n";
    out += "MIME-Version: 1.0\r\n";
    if (message.html.empty()) {
        out += part_headers("text/plain");
        out += kCrlf;
        out += quoted_printable(message.text);
        return out;
    }
    // "=_" cannot occur in quoted-printable output, so the boundary cannot
    // appear inside a part.
    const std::string boundary = "=_" + random_token(24);
    out += "Content-Type: multipart/alternative;\r\n boundary=\"" + boundary + "\"\r\n";
    out += kCrlf;
    out += "This is a multi-part message in MIME format.\r\n";
    out += "\r\n--" + boundary + "\r\n";
    out += part_headers("text/plain");
    out += kCrlf;
    out += quoted_printable(message.text);
    out += "\r\n--" + boundary + "\r\n";
    out += part_headers("text/html");
    out += kCrlf;
    out += quoted_printable(message.html);
    out += "\r\n--" + boundary + "--\r\n";
    return out;
}

}  // namespace auth
