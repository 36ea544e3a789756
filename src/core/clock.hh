// Time as whole seconds since the epoch (UTC), behind an interface so that
// tests can move it.
#pragma once
#include <cstdint>
#include <string>

namespace auth {

class Clock {
public:
    virtual ~Clock() = default;
    virtual std::int64_t now() const = 0;
};

class SystemClock final : public Clock {
public:
    std::int64_t now() const override;
};

// The time for people to read: "2027-01-15 08:00 UTC".
std::string utc_text(std::int64_t t);
// "2026-12-07T04:00:00Z": the time stamp of log lines and printed events.
std::string utc_stamp(std::int64_t t);

}  // namespace auth
