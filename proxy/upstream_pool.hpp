// Keep-alive connections to the upstream, owned by one I/O thread (no locks).
//
// A connection idle past one tick keeps a one-byte read armed, so an
// upstream that closes it (or sends something unasked) is noticed by the
// event loop and the connection dropped then (as nginx does). A connection
// taken back sooner, as under load, is never watched: arming a read right
// after a response costs a recv that finds nothing, one per request (Asio
// tries every new read at once). Until its watch is armed, a connection is
// given only to a request that is safe to send again on a fresh connection
// (the response leg does so when a reused one turns out closed); any other
// request first checks it with a non-blocking peek.
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
    /// `retry_safe`: the request can go again on a fresh connection should
    /// this one turn out closed, so an unwatched one needs no check.
    std::optional<Stream> take(const Endpoint& endpoint, bool retry_safe);

    /// Keeps a connection whose last exchange ended cleanly.
    void put(Stream stream, const Endpoint& endpoint);

    /// Each tick: closes connections idle longer than the idle timeout and
    /// watches those that were not yet.
    void on_tick(Clock::time_point now);

    void set_limits(std::size_t max_idle, std::chrono::milliseconds idle_timeout);
    void clear() { idle_.clear(); }
    std::size_t idle_count() const { return idle_.size(); }

private:
    struct Idle {
        Stream stream;
        Endpoint endpoint;
        Clock::time_point since;
        std::uint64_t id;
        bool watched = false;
        char byte = 0;  // where the armed read would put what arrives
    };
    void watch(Idle& idle);
    void on_readable(std::uint64_t id, boost::system::error_code ec);

    std::list<Idle> idle_;  // oldest first
    std::uint64_t next_id_ = 0;
    std::size_t max_idle_;
    std::chrono::milliseconds idle_timeout_;
};

}  // namespace sessiongate::proxy
