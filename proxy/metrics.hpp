// Process-wide counters, exported by the admin listener in Prometheus text.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

namespace sessiongate::proxy {

struct Metrics {
    using Counter = std::atomic<std::uint64_t>;
    Counter requests{0};
    Counter responses_by_class[6] = {};  // index = status / 100
    Counter rejected_requests{0};        // 4xx answered by the proxy itself
    Counter upstream_errors{0};          // 502 and 504
    Counter control_header_errors{0};    // malformed X-Session-* response headers
    Counter sessions_saved{0};
    Counter sessions_deleted{0};
    Counter sessions_too_large{0};
    Counter store_errors{0};
    Counter connections_accepted{0};
    std::atomic<std::int64_t> connections_open{0};

    static void add(Counter& counter) { counter.fetch_add(1, std::memory_order_relaxed); }
    std::string prometheus_text() const;
};

}  // namespace sessiongate::proxy
