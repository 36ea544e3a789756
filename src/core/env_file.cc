#include "core/env_file.hh"

#include <fstream>
#include <sstream>

namespace auth {

namespace {

bool is_key_char(char c, bool first) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_') return true;
    return !first && ((c >= '0' && c <= '9') || c == '.' || c == '-');
}

class Parser {
public:
    explicit Parser(std::string_view text) : text_(text) {}

    std::map<std::string, std::string> run() {
        std::map<std::string, std::string> out;
        while (pos_ < text_.size()) {
            skip_blanks();
            if (at_end_of_line()) { skip_to_eol(); next_line(); continue; }  // also "\r\n"
            if (peek() == '#') { skip_to_eol(); next_line(); continue; }
            if (text_.substr(pos_, 7) == "export " ) { pos_ += 7; skip_blanks(); }
            std::string key = read_key();
            skip_blanks();
            if (pos_ >= text_.size() || peek() != '=') fail("expected KEY=value");
            ++pos_;
            skip_blanks();
            std::string value = read_value();
            skip_blanks();
            if (!at_end_of_line() && peek() != '#') fail("unexpected text after the value of " + key);
            skip_to_eol();
            next_line();
            out[key] = value;
        }
        return out;
    }

private:
    char peek() const { return text_[pos_]; }
    bool at_end_of_line() const { return pos_ >= text_.size() || text_[pos_] == '\n' || text_[pos_] == '\r'; }
    void skip_blanks() { while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t')) ++pos_; }
    void skip_to_eol() { while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_; }
    void next_line() { if (pos_ < text_.size() && text_[pos_] == '\n') { ++pos_; ++line_; } }

    [[noreturn]] void fail(const std::string& what) const {
        throw EnvFileError("line " + std::to_string(line_) + ": " + what);
    }

    std::string read_key() {
        std::size_t start = pos_;
        while (pos_ < text_.size() && is_key_char(text_[pos_], pos_ == start)) ++pos_;
        if (pos_ == start) fail("expected a key name");
        return std::string(text_.substr(start, pos_ - start));
    }

    std::string read_value() {
        if (pos_ >= text_.size()) return {};
        char q = peek();
        if (q == '\'' || q == '"') return read_quoted(q);
        std::size_t start = pos_;
        while (!at_end_of_line()) {
            // " #" starts a comment; a # glued to the value is part of it.
            if (text_[pos_] == '#' && pos_ > start && (text_[pos_ - 1] == ' ' || text_[pos_ - 1] == '\t')) break;
            ++pos_;
        }
        std::string_view v = text_.substr(start, pos_ - start);
        while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
        return std::string(v);
    }

    std::string read_quoted(char q) {
        ++pos_;
        std::string out;
        const int first_line = line_;
        while (true) {
            if (pos_ >= text_.size()) {
                line_ = first_line;  // name the line where the value began
                fail("unterminated quoted value");
            }
            char c = text_[pos_++];
            if (c == q) return out;
            if (c == '\n') ++line_;
            if (c == '\\' && pos_ < text_.size()) {
                char n = text_[pos_];
                if (q == '"') {
                    ++pos_;
                    switch (n) {
                        case 'n': out += '\n'; break;
                        case 't': out += '\t'; break;
                        case 'r': out += '\r'; break;
                        case '"': out += '"'; break;
                        case '\\': out += '\\'; break;
                        default: out += '\\'; out += n; break;
                    }
                    continue;
                }
                if (n == '\'' || n == '\\') { ++pos_; out += n; continue; }
            }
            out += c;
        }
    }

    std::string_view text_;
    std::size_t pos_ = 0;
    int line_ = 1;
};

}  // namespace

std::map<std::string, std::string> parse_env_file(std::string_view text) {
    if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
    return Parser(text).run();
}

std::map<std::string, std::string> read_env_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw EnvFileError("cannot read " + path);
    std::ostringstream buf;
    buf << in.rdbuf();
    try {
        return parse_env_file(buf.str());
    } catch (const EnvFileError& e) {
        throw EnvFileError(path + " " + e.what());
    }
}

}  // namespace auth
