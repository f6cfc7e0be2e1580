#include "proxy/upstream_pool.hpp"

#include <boost/asio/error.hpp>

#include <sys/socket.h>

#include <cerrno>

namespace sessiongate::proxy {

namespace {

// Nothing to read and not closed: what the armed read would say, asked now.
bool quiet(Stream& stream) {
    char byte;
    auto n = ::recv(stream.socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

}  // namespace

std::optional<Stream> UpstreamPool::take(const Endpoint& endpoint, bool retry_safe) {
    auto now = Clock::now();
    // Most recently used first: the warmest connection is the likeliest alive.
    for (auto it = idle_.rbegin(); it != idle_.rend(); ++it) {
        if (it->endpoint != endpoint) continue;
        auto where = std::prev(it.base());
        if (now - where->since > idle_timeout_ || (!where->watched && !retry_safe && !quiet(where->stream))) {
            idle_.erase(where);
            return take(endpoint, retry_safe);
        }
        boost::system::error_code ignored;
        if (where->watched) where->stream.cancel(ignored);  // the armed read ends as aborted, unseen
        Stream stream = std::move(where->stream);
        idle_.erase(where);
        return stream;
    }
    return std::nullopt;
}

void UpstreamPool::put(Stream stream, const Endpoint& endpoint) {
    if (max_idle_ == 0) return;  // pooling off: the connection closes here
    while (idle_.size() >= max_idle_) idle_.pop_front();  // drop the oldest
    idle_.push_back(Idle{std::move(stream), endpoint, Clock::now(), next_id_++});
}

void UpstreamPool::watch(Idle& idle) {
    // Anything readable on an idle connection (its close, a late error page)
    // makes it unusable. The handler touches the pool only when it was not
    // cancelled, and the pool outlives every handler (the worker destroys its
    // io_context first).
    idle.watched = true;
    idle.stream.async_read_some(boost::asio::buffer(&idle.byte, 1),
                                [this, id = idle.id](boost::system::error_code ec, std::size_t) { on_readable(id, ec); });
}

void UpstreamPool::on_readable(std::uint64_t id, boost::system::error_code ec) {
    if (ec == boost::asio::error::operation_aborted) return;  // taken or closed meanwhile
    for (auto it = idle_.begin(); it != idle_.end(); ++it)
        if (it->id == id) {
            idle_.erase(it);
            return;
        }
}

void UpstreamPool::on_tick(Clock::time_point now) {
    while (!idle_.empty() && now - idle_.front().since > idle_timeout_) idle_.pop_front();
    // The unwatched ones are the newest, at the back.
    for (auto it = idle_.rbegin(); it != idle_.rend() && !it->watched; ++it) watch(*it);
}

void UpstreamPool::set_limits(std::size_t max_idle, std::chrono::milliseconds idle_timeout) {
    max_idle_ = max_idle;
    idle_timeout_ = idle_timeout;
    while (idle_.size() > max_idle_) idle_.pop_front();
}

}  // namespace sessiongate::proxy
