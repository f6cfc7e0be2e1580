#include "proxy/upstream_pool.hpp"

#include <boost/asio/error.hpp>

namespace sessiongate::proxy {

std::optional<Stream> UpstreamPool::take(const Endpoint& endpoint) {
    auto now = Clock::now();
    // Most recently used first: the warmest connection is the likeliest alive.
    for (auto it = idle_.rbegin(); it != idle_.rend(); ++it) {
        if (it->endpoint != endpoint) continue;
        auto where = std::prev(it.base());
        if (now - where->since > idle_timeout_) {
            idle_.erase(where);
            return take(endpoint);
        }
        boost::system::error_code ignored;
        where->stream.cancel(ignored);  // the armed read ends as aborted, unseen
        Stream stream = std::move(where->stream);
        idle_.erase(where);
        return stream;
    }
    return std::nullopt;
}

void UpstreamPool::put(Stream stream, const Endpoint& endpoint) {
    if (max_idle_ == 0) return;  // pooling off: the connection closes here
    while (idle_.size() >= max_idle_) idle_.pop_front();  // drop the oldest
    auto id = next_id_++;
    auto& idle = idle_.emplace_back(Idle{std::move(stream), endpoint, Clock::now(), id});
    // Anything readable on an idle connection (its close, a late error page)
    // makes it unusable. The handler touches the pool only when it was not
    // cancelled, and the pool outlives every handler (the worker destroys its
    // io_context first).
    idle.stream.async_read_some(boost::asio::buffer(&idle.byte, 1),
                                [this, id](boost::system::error_code ec, std::size_t) { on_readable(id, ec); });
}

void UpstreamPool::on_readable(std::uint64_t id, boost::system::error_code ec) {
    if (ec == boost::asio::error::operation_aborted) return;  // taken or closed meanwhile
    for (auto it = idle_.begin(); it != idle_.end(); ++it)
        if (it->id == id) {
            idle_.erase(it);
            return;
        }
}

void UpstreamPool::sweep(Clock::time_point now) {
    while (!idle_.empty() && now - idle_.front().since > idle_timeout_) idle_.pop_front();
}

void UpstreamPool::set_limits(std::size_t max_idle, std::chrono::milliseconds idle_timeout) {
    max_idle_ = max_idle;
    idle_timeout_ = idle_timeout;
    while (idle_.size() > max_idle_) idle_.pop_front();
}

}  // namespace sessiongate::proxy
