#include "account/password_policy.hh"

#include <sys/stat.h>

#include <fstream>
#include <stdexcept>
#include <vector>

#include "core/validate.hh"

namespace auth {

namespace {

std::vector<char32_t> to_code_points(std::string_view s) {
    std::vector<char32_t> out;
    for (std::size_t i = 0; i < s.size();) {
        auto c = static_cast<unsigned char>(s[i]);
        std::size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        char32_t cp = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
        for (std::size_t k = 1; k < len && i + k < s.size(); ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
        out.push_back(cp);
        i += len;
    }
    return out;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// "aaaaaaaa", "abcabcabc", "abababab": a unit of 1 to 4 code points repeated.
bool short_pattern(const std::vector<char32_t>& cps) {
    for (std::size_t unit = 1; unit <= 4 && unit * 2 <= cps.size(); ++unit) {
        bool repeats = true;
        for (std::size_t i = unit; i < cps.size() && repeats; ++i) repeats = cps[i] == cps[i - unit];
        if (repeats) return true;
    }
    return false;
}

// "123456789012", "9876543210", "abcdefghijkl": each character one step from
// the last, digits wrapping from 9 to 0.
bool plain_run(const std::vector<char32_t>& cps) {
    if (cps.size() < 3) return false;
    for (int dir : {1, -1}) {
        bool run = true;
        for (std::size_t i = 1; i < cps.size() && run; ++i) {
            char32_t a = cps[i - 1], b = cps[i];
            bool digits = a >= '0' && a <= '9' && b >= '0' && b <= '9';
            if (digits)
                run = static_cast<int>(b - '0') == ((static_cast<int>(a - '0') + dir + 10) % 10);
            else
                run = static_cast<long>(b) - static_cast<long>(a) == dir;
        }
        if (run) return true;
    }
    return false;
}

bool keyboard_walk(const std::string& lowered) {
    static const char* const rows[] = {"qwertyuiopasdfghjklzxcvbnm", "qwertzuiopasdfghjklyxcvbnm", "azertyuiopqsdfghjklmwxcvbn",
                                       "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p", "zaq1xsw2cde3vfr4bgt5nhy6mju7ki8lo9p0"};
    for (const char* row : rows) {
        std::string r(row), rev(r.rbegin(), r.rend());
        if (r.find(lowered) != std::string::npos || rev.find(lowered) != std::string::npos) return true;
    }
    return false;
}

std::string without_spaces(std::string_view s) {
    std::string out;
    for (char c : s)
        if (c != ' ' && c != '\t' && c != '.' && c != '-' && c != '_') out += c;
    return out;
}

}  // namespace

PasswordPolicy::PasswordPolicy(std::size_t min_length, std::string list_path)
    : min_length_(min_length), list_path_(std::move(list_path)) {
    struct stat st{};
    if (stat(list_path_.c_str(), &st) != 0) throw std::runtime_error("common-password list missing: " + list_path_);
}

void PasswordPolicy::load() const {
    if (loaded_) return;
    std::ifstream in(list_path_);
    if (!in) throw std::runtime_error("cannot read the common-password list " + list_path_);
    std::string line;
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty() || line.rfind("#!", 0) == 0) continue;
        list_.insert(ascii_lower(line));
    }
    list_.insert("sessionauth");
    loaded_ = true;
}

bool PasswordPolicy::common(const std::string& lowered) const {
    load();
    return list_.count(lowered) != 0;
}

// A common word, a pattern or a keyboard walk, also with digits around it.
bool PasswordPolicy::weak_core(const std::string& lowered) const {
    if (lowered.empty()) return true;
    auto cps = to_code_points(lowered);
    if (common(lowered) || short_pattern(cps) || plain_run(cps) || keyboard_walk(lowered)) return true;
    std::size_t b = 0, e = lowered.size();
    while (b < e && is_digit(lowered[b])) ++b;
    while (e > b && is_digit(lowered[e - 1])) --e;
    if ((b > 0 || e < lowered.size()) && b < e) {
        std::string core = lowered.substr(b, e - b);
        auto core_cps = to_code_points(core);
        if (common(core) || short_pattern(core_cps) || keyboard_walk(core)) return true;
    }
    return false;
}

std::optional<std::string> PasswordPolicy::problem(std::string_view password, std::string_view email,
                                                   std::string_view name) const {
    if (password.size() > kPasswordMaxBytes || code_points(password) > kPasswordMaxCodePoints)
        return "Use at most " + std::to_string(kPasswordMaxCodePoints) + " characters.";
    if (!valid_utf8(password)) return std::string("The password is not valid text.");
    if (code_points(password) < min_length_)
        return "Use at least " + std::to_string(min_length_) + " characters; a few words make a good password.";
    // C0, DEL, C1 and the invisible bidi and line controls (validate.hh).
    if (has_control_chars(password)) return std::string("The password contains control characters.");

    std::string lowered = ascii_lower(password);
    std::string compact = without_spaces(lowered);
    const std::string personal_msg = "Don't use your email address or name in your password.";
    std::string mail = ascii_lower(email);
    std::string local = mail.substr(0, mail.find('@'));
    std::string who = without_spaces(ascii_lower(name));
    if (!mail.empty() && compact.find(without_spaces(mail)) != std::string::npos) return personal_msg;
    if (code_points(local) >= 4 && compact.find(without_spaces(local)) != std::string::npos) return personal_msg;
    if (code_points(who) >= 4 && compact.find(who) != std::string::npos) return personal_msg;
    if (!who.empty() && compact == who) return personal_msg;

    const std::string common_msg =
        "This password is too common or too easy to guess (a well-known password, a repeated pattern or a run like "
        "1234…). Choose another.";
    if (weak_core(lowered) || weak_core(compact)) return common_msg;
    if (lowered.size() % 2 == 0) {
        std::string half = lowered.substr(0, lowered.size() / 2);
        if (half == lowered.substr(lowered.size() / 2) && weak_core(half)) return common_msg;
    }
    return std::nullopt;
}

}  // namespace auth
