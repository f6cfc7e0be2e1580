#include "proxy/worker.hpp"

#include "proxy/connection.hpp"

namespace sessiongate::proxy {

void Worker::start_ticking() {
    // One coarse timer per thread checks every connection's one deadline (as
    // nginx's timer tree does), instead of a timer per read and write.
    ticker_->expires_after(tick_interval);
    ticker_->async_wait([this](boost::system::error_code ec) {
        if (ec) return;
        auto now = std::chrono::steady_clock::now();
        // A connection's tick may close it, never destroy it: its pending
        // operations hold it, so the set does not change under us.
        for (auto* connection : connections) connection->on_tick(now);
        pool.on_tick(now);
        start_ticking();
    });
}

}  // namespace sessiongate::proxy
