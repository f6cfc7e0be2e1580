#include "proxy/upstream_pool.hpp"

#include <sys/socket.h>

namespace sessiongate::proxy {
namespace {

// A peek that must find nothing to read: 0 means the peer closed, data means
// it sent something unasked (a late error page); either way unusable.
bool still_open(UpstreamPool::Stream& stream) {
    char byte;
    auto fd = stream.socket().native_handle();
    ssize_t n = ::recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

}  // namespace

std::optional<UpstreamPool::Stream> UpstreamPool::take(const Endpoint& endpoint) {
    auto now = std::chrono::steady_clock::now();
    // Most recently used first: the warmest connection is the likeliest alive.
    while (!idle_.empty()) {
        Idle idle = std::move(idle_.back());
        idle_.pop_back();
        if (idle.endpoint != endpoint || now - idle.since > idle_timeout_) continue;
        if (!still_open(idle.stream)) continue;
        return std::move(idle.stream);
    }
    return std::nullopt;
}

void UpstreamPool::put(Stream stream, const Endpoint& endpoint) {
    if (max_idle_ == 0) return;  // pooling off: the connection closes here
    while (idle_.size() >= max_idle_) idle_.pop_front();  // drop the oldest
    stream.expires_never();
    idle_.emplace_back(Idle{std::move(stream), endpoint, std::chrono::steady_clock::now()});
}

void UpstreamPool::set_limits(std::size_t max_idle, std::chrono::milliseconds idle_timeout) {
    max_idle_ = max_idle;
    idle_timeout_ = idle_timeout;
    while (idle_.size() > max_idle_) idle_.pop_front();
}

}  // namespace sessiongate::proxy
