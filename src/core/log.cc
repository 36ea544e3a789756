#include "core/log.hh"

#include <cstdio>
#include <ctime>

#include "core/clock.hh"

namespace auth {

namespace {
// Process-level and constant after start: not request state.
std::string& program_name() {
    static std::string name = "sessionauth";
    return name;
}
}  // namespace

void set_program_name(std::string_view name) {
    auto slash = name.rfind('/');
    if (slash != std::string_view::npos) name.remove_prefix(slash + 1);
    if (!name.empty()) program_name() = std::string(name);
}

namespace {

// Escapes bytes below 0x20 and DEL, and `also` (a set of printable bytes), as \xNN.
std::string escape(std::string_view text, std::string_view also) {
    static const char hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(text.size());
    for (unsigned char c : text) {
        if (c < 0x20 || c == 0x7f || also.find(static_cast<char>(c)) != std::string_view::npos) {
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 15];
        } else {
            out += static_cast<char>(c);
        }
    }
    return out;
}

void write_line(std::string_view escaped) {
    std::string line = utc_stamp(std::time(nullptr)) + " " + program_name() + ": " + std::string(escaped) + "\n";
    std::fwrite(line.data(), 1, line.size(), stderr);
    std::fflush(stderr);
}

}  // namespace

std::string escape_for_log(std::string_view text) { return escape(text, "\\"); }

std::string log_field(std::string_view key, std::string_view value) {
    return std::string(key) + "=\"" + escape(value, "\\\"") + "\"";
}

void log_line(std::string_view message) { write_line(escape_for_log(message)); }

void log_fields_line(std::string_view line) { write_line(escape(line, {})); }

}  // namespace auth
