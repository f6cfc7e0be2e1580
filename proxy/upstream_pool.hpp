// Keep-alive connections to the upstream, owned by one I/O thread (no locks).
//
// An idle connection keeps a one-byte read armed, so an upstream that closes
// it (or sends something unasked) is noticed by the event loop and the
// connection dropped then, at no cost per reuse (as nginx does).
#pragma once

#include "proxy/tls_stream.hpp"

#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <list>
#include <optional>

namespace sessiongate::proxy {

class UpstreamPool {
public:
    using Endpoint = boost::asio::ip::tcp::endpoint;
    using Clock = std::chrono::steady_clock;

    UpstreamPool(std::size_t max_idle, std::chrono::milliseconds idle_timeout)
        : max_idle_(max_idle), idle_timeout_(idle_timeout) {}
    UpstreamPool(const UpstreamPool&) = delete;
    UpstreamPool& operator=(const UpstreamPool&) = delete;

    /// The most recently used idle connection to `endpoint`, or nullopt.
    std::optional<Stream> take(const Endpoint& endpoint);

    /// Keeps a connection whose last exchange ended cleanly.
    void put(Stream stream, const Endpoint& endpoint);

    /// Closes connections idle longer than the idle timeout.
    void sweep(Clock::time_point now);

    void set_limits(std::size_t max_idle, std::chrono::milliseconds idle_timeout);
    void clear() { idle_.clear(); }
    std::size_t idle_count() const { return idle_.size(); }

private:
    struct Idle {
        Stream stream;
        Endpoint endpoint;
        Clock::time_point since;
        std::uint64_t id;
        char byte = 0;  // where the armed read would put what arrives
    };
    void on_readable(std::uint64_t id, boost::system::error_code ec);

    std::list<Idle> idle_;  // oldest first
    std::uint64_t next_id_ = 0;
    std::size_t max_idle_;
    std::chrono::milliseconds idle_timeout_;
};

}  // namespace sessiongate::proxy
