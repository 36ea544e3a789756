// Login throttling kept in SQLite, so every process (and every CGI run) sees
// it: after 5 failed logins for one email, or 20 from one client address,
// within 15 minutes, further attempts wait until the window has passed. The
// email is counted whether or not it has an account.
#pragma once
#include <cstdint>
#include <optional>
#include <string_view>

namespace auth {

class Clock;
class Db;

class LoginThrottle {
public:
    static constexpr std::int64_t kWindow = 15 * 60;
    static constexpr std::int64_t kPerEmail = 5;
    static constexpr std::int64_t kPerAddress = 20;

    LoginThrottle(Db& db, const Clock& clock) : db_(db), clock_(clock) {}

    // Seconds to wait before the next attempt, or nullopt if one may be made.
    std::optional<std::int64_t> retry_after(std::string_view email, std::string_view client_ip);
    void record_failure(std::string_view email, std::string_view client_ip);
    // After a successful login or a password reset.
    void clear(std::string_view email);

private:
    std::optional<std::int64_t> wait_for(const char* sql, std::string_view key, std::int64_t limit, std::int64_t now);
    Db& db_;
    const Clock& clock_;
};

}  // namespace auth
