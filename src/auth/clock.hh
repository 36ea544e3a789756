// Time as whole seconds since the epoch (UTC), behind an interface so that
// tests can move it.
#pragma once
#include <cstdint>

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

}  // namespace auth
