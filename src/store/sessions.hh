// Logged-in sessions. The browser holds a 256-bit random token; the database
// keeps only its BLAKE2b digest, so a copied database file opens no session.
// A session ends at logout, after SESSION_IDLE_TIMEOUT without a request, or
// SESSION_ABSOLUTE_TIMEOUT after it began. last_seen is written at most once
// a minute (more often only when the idle timeout is under two minutes).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace auth {

class Clock;
class Db;

struct Session {
    std::int64_t id = 0;
    std::int64_t user_id = 0;
    std::int64_t created_at = 0;
    std::int64_t last_seen = 0;
};

// A session as its owner sees it in their list.
struct SessionInfo {
    std::int64_t id = 0;
    std::int64_t created_at = 0;
    std::int64_t last_seen = 0;
    std::string client_ip;   // at login
    std::string user_agent;  // at login, up to 256 bytes
};

class SessionStore {
public:
    SessionStore(Db& db, const Clock& clock, std::int64_t idle_timeout, std::int64_t absolute_timeout)
        : db_(db), clock_(clock), idle_(idle_timeout), absolute_(absolute_timeout) {}

    // A new session; returns the token for the cookie.
    std::string create(std::int64_t user_id, std::string_view client_ip, std::string_view user_agent);
    // The live session for a token (refreshing last_seen when due); an
    // expired one is deleted and nullopt returned.
    std::optional<Session> lookup(std::string_view token);
    void destroy(std::string_view token);
    // Ends every session of the user except `keep` (a session id), if given.
    void destroy_all_for_user(std::int64_t user_id, std::optional<std::int64_t> keep = std::nullopt);
    // The user's live sessions (not past a timeout), most recently seen first.
    std::vector<SessionInfo> list_for_user(std::int64_t user_id);
    // Ends one session of the user; false if the user has no such session.
    bool destroy_for_user(std::int64_t user_id, std::int64_t session_id);
    // Deletes expired rows; cheap, called now and then.
    void purge_expired();
    std::int64_t count_for_user(std::int64_t user_id);

private:
    Db& db_;
    const Clock& clock_;
    std::int64_t idle_;
    std::int64_t absolute_;
};

}  // namespace auth
