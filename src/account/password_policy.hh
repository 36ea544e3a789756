// Which new passwords are accepted: length in code points from the configured
// minimum to 128 (and at most 1024 bytes), any Unicode, no composition rules,
// but not a common password (also doubled, or with digits around it), not a
// repeated character, a short repeated pattern or a plain run, and not the
// person's own email or name (NIST 800-63B, OWASP ASVS 2.1).
#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>

namespace auth {

inline constexpr std::size_t kPasswordMaxCodePoints = 128;
inline constexpr std::size_t kPasswordMaxBytes = 1024;

class PasswordPolicy {
public:
    // `list_path` is the common-password list (one per line, "#!" comments);
    // throws std::runtime_error if it cannot be read. It is read on first use.
    PasswordPolicy(std::size_t min_length, std::string list_path);

    // nullopt if acceptable, else a message for the person.
    std::optional<std::string> problem(std::string_view password, std::string_view email, std::string_view name) const;

    std::size_t min_length() const { return min_length_; }

private:
    bool common(const std::string& lowered) const;
    bool weak_core(const std::string& lowered) const;
    void load() const;

    std::size_t min_length_;
    std::string list_path_;
    mutable std::unordered_set<std::string> list_;  // a process-wide constant once loaded
    mutable bool loaded_ = false;
};

}  // namespace auth
