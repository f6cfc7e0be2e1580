// Keep-alive connections to the upstream, owned by one I/O thread (no locks).
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <chrono>
#include <cstddef>
#include <optional>
#include <deque>

namespace sessiongate::proxy {

class UpstreamPool {
public:
    using Stream = boost::beast::tcp_stream;
    using Endpoint = boost::asio::ip::tcp::endpoint;

    UpstreamPool(std::size_t max_idle, std::chrono::milliseconds idle_timeout)
        : max_idle_(max_idle), idle_timeout_(idle_timeout) {}

    /// An idle connection to `endpoint` that is still open, or nullopt.
    /// Connections the upstream closed, that sent unsolicited bytes, or that
    /// idled past the timeout are dropped on the way.
    std::optional<Stream> take(const Endpoint& endpoint);

    /// Keeps a connection whose last exchange ended cleanly.
    void put(Stream stream, const Endpoint& endpoint);

    void set_limits(std::size_t max_idle, std::chrono::milliseconds idle_timeout);
    void clear() { idle_.clear(); }
    std::size_t idle_count() const { return idle_.size(); }

private:
    struct Idle {
        Stream stream;
        Endpoint endpoint;
        std::chrono::steady_clock::time_point since;
    };
    std::deque<Idle> idle_;
    std::size_t max_idle_;
    std::chrono::milliseconds idle_timeout_;
};

}  // namespace sessiongate::proxy
