#include "webauthn/client_data.hh"

#include <cstdint>
#include <utility>

namespace auth::webauthn {

namespace {

// A small strict JSON reader over the text: enough for one object whose
// values we either take (strings, booleans) or skip (anything), with a
// depth limit so that nesting cannot exhaust the stack.
class Reader {
public:
    explicit Reader(std::string_view text) : s_(text) {}

    bool at_end() {
        space();
        return i_ == s_.size();
    }
    bool take(char c) {
        space();
        if (i_ < s_.size() && s_[i_] == c) {
            ++i_;
            return true;
        }
        return false;
    }
    bool peek(char c) {
        space();
        return i_ < s_.size() && s_[i_] == c;
    }

    std::optional<std::string> string() {
        if (!take('"')) return std::nullopt;
        std::string out;
        while (i_ < s_.size()) {
            unsigned char c = static_cast<unsigned char>(s_[i_++]);
            if (c == '"') return out;
            if (c < 0x20) return std::nullopt;
            if (c != '\\') {
                out += static_cast<char>(c);
                continue;
            }
            if (i_ >= s_.size()) return std::nullopt;
            char e = s_[i_++];
            switch (e) {
                case '"': out += '"'; break;
                case '\\': out += '\\'; break;
                case '/': out += '/'; break;
                case 'b': out += '\b'; break;
                case 'f': out += '\f'; break;
                case 'n': out += '\n'; break;
                case 'r': out += '\r'; break;
                case 't': out += '\t'; break;
                case 'u': {
                    auto cp = hex4();
                    if (!cp) return std::nullopt;
                    std::uint32_t code = *cp;
                    if (code >= 0xD800 && code <= 0xDBFF) {
                        if (!(i_ + 1 < s_.size() && s_[i_] == '\\' && s_[i_ + 1] == 'u')) return std::nullopt;
                        i_ += 2;
                        auto low = hex4();
                        if (!low || *low < 0xDC00 || *low > 0xDFFF) return std::nullopt;
                        code = 0x10000 + ((code - 0xD800) << 10) + (*low - 0xDC00);
                    } else if (code >= 0xDC00 && code <= 0xDFFF) {
                        return std::nullopt;
                    }
                    utf8(code, out);
                    break;
                }
                default: return std::nullopt;
            }
        }
        return std::nullopt;
    }

    // Skips one value of any type; false if it is not valid JSON.
    bool skip_value(int depth = 0) {
        if (depth > 16) return false;
        space();
        if (i_ >= s_.size()) return false;
        char c = s_[i_];
        if (c == '"') return string().has_value();
        if (c == '{') {
            ++i_;
            if (take('}')) return true;
            do {
                if (!string() || !take(':') || !skip_value(depth + 1)) return false;
            } while (take(','));
            return take('}');
        }
        if (c == '[') {
            ++i_;
            if (take(']')) return true;
            do {
                if (!skip_value(depth + 1)) return false;
            } while (take(','));
            return take(']');
        }
        if (word("true") || word("false") || word("null")) return true;
        return number();
    }

    std::optional<bool> boolean() {
        space();
        if (word("true")) return true;
        if (word("false")) return false;
        return std::nullopt;
    }

private:
    void space() {
        while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
    }
    bool word(std::string_view w) {
        if (s_.substr(i_, w.size()) != w) return false;
        i_ += w.size();
        return true;
    }
    bool number() {
        std::size_t start = i_;
        if (i_ < s_.size() && s_[i_] == '-') ++i_;
        std::size_t digits = i_;
        while (i_ < s_.size() && ((s_[i_] >= '0' && s_[i_] <= '9') || s_[i_] == '.' || s_[i_] == 'e' ||
                                  s_[i_] == 'E' || s_[i_] == '+' || s_[i_] == '-'))
            ++i_;
        return i_ > digits && i_ > start;
    }
    std::optional<std::uint32_t> hex4() {
        if (i_ + 4 > s_.size()) return std::nullopt;
        std::uint32_t v = 0;
        for (int k = 0; k < 4; ++k) {
            char h = s_[i_++];
            v <<= 4;
            if (h >= '0' && h <= '9') v |= static_cast<std::uint32_t>(h - '0');
            else if (h >= 'a' && h <= 'f') v |= static_cast<std::uint32_t>(h - 'a' + 10);
            else if (h >= 'A' && h <= 'F') v |= static_cast<std::uint32_t>(h - 'A' + 10);
            else return std::nullopt;
        }
        return v;
    }
    static void utf8(std::uint32_t c, std::string& out) {
        if (c < 0x80) {
            out += static_cast<char>(c);
        } else if (c < 0x800) {
            out += static_cast<char>(0xC0 | (c >> 6));
            out += static_cast<char>(0x80 | (c & 0x3F));
        } else if (c < 0x10000) {
            out += static_cast<char>(0xE0 | (c >> 12));
            out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (c & 0x3F));
        } else {
            out += static_cast<char>(0xF0 | (c >> 18));
            out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
            out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (c & 0x3F));
        }
    }

    std::string_view s_;
    std::size_t i_ = 0;
};

}  // namespace

std::optional<ClientData> parse_client_data(std::string_view json) {
    if (json.size() > 4096) return std::nullopt;
    Reader r(json);
    if (!r.take('{')) return std::nullopt;
    ClientData out;
    bool type = false, challenge = false, origin = false, cross = false;
    if (!r.peek('}')) {
        do {
            auto key = r.string();
            if (!key || !r.take(':')) return std::nullopt;
            // A member said twice could mean two things to two readers: refused.
            auto once = [](bool& seen) { return !std::exchange(seen, true); };
            if (*key == "type" || *key == "challenge" || *key == "origin") {
                bool& seen = *key == "type" ? type : *key == "challenge" ? challenge : origin;
                if (!once(seen)) return std::nullopt;
                auto v = r.string();
                if (!v) return std::nullopt;
                (*key == "type" ? out.type : *key == "challenge" ? out.challenge : out.origin) = std::move(*v);
            } else if (*key == "crossOrigin") {
                if (!once(cross)) return std::nullopt;
                auto b = r.boolean();
                if (!b) return std::nullopt;
                out.cross_origin = *b;
            } else if (!r.skip_value()) {
                return std::nullopt;
            }
        } while (r.take(','));
    }
    if (!r.take('}') || !r.at_end()) return std::nullopt;
    if (!type || !challenge || !origin) return std::nullopt;
    return out;
}

}  // namespace auth::webauthn
