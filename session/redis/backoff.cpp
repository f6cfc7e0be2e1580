#include "session/redis/backoff.hpp"

#include <algorithm>

namespace sessiongate::session::redis {

Backoff::Duration Backoff::delay(unsigned failures, double unit) const {
    const std::int64_t ceiling = std::max(max_, min_).count();
    std::int64_t base = std::max<std::int64_t>(1, min_.count());
    for (unsigned i = 1; i < failures && base < ceiling; ++i) base *= 2;
    base = std::min(base, ceiling);
    const double factor = 0.5 + 0.5 * std::clamp(unit, 0.0, 1.0);
    return Duration(std::max<std::int64_t>(1, static_cast<std::int64_t>(static_cast<double>(base) * factor)));
}

}  // namespace sessiongate::session::redis
