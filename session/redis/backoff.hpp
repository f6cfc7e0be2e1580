// How long to wait before the next reconnection attempt: exponential from
// `min` to `max`, with jitter so replicas that lost Redis together do not
// all knock at the same instant when it comes back.
#pragma once

#include <chrono>
#include <cstdint>

namespace sessiongate::session::redis {

class Backoff {
public:
    using Duration = std::chrono::milliseconds;

    Backoff(Duration min, Duration max) : min_(min), max_(max) {}

    /// Delay before attempt number `failures` + 1 (failures >= 1):
    /// min * 2^(failures-1), capped at max, then scaled by a factor in
    /// [0.5, 1.0] taken from `unit` (a uniform draw in [0, 1)).
    Duration delay(unsigned failures, double unit) const;

private:
    Duration min_;
    Duration max_;
};

}  // namespace sessiongate::session::redis
