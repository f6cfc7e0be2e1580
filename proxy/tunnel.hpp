// Bytes both ways between client and upstream after a 101 Switching Protocols
// (WebSocket): no parsing, no buffering beyond one fixed buffer per direction.
#pragma once

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>

namespace sessiongate::proxy {

class Tunnel : public std::enable_shared_from_this<Tunnel> {
public:
    /// `*_leftover`: bytes each side sent after its head, not yet forwarded.
    /// `open_connections` counts the tunnel while it lives (SIGTERM drain waits
    /// for it); a tunnel quiet both ways for `idle_timeout` is closed.
    Tunnel(boost::beast::tcp_stream client, boost::beast::tcp_stream upstream,
           boost::beast::flat_buffer client_leftover, boost::beast::flat_buffer upstream_leftover,
           std::chrono::milliseconds idle_timeout, std::atomic<std::int64_t>& open_connections);
    ~Tunnel();
    void start();

private:
    struct Direction {
        boost::beast::tcp_stream* from;
        boost::beast::tcp_stream* to;
        boost::beast::flat_buffer leftover;
        std::array<char, 16 * 1024> buffer{};
        bool done = false;
    };
    void pump(Direction& direction);
    void on_read(Direction& direction, boost::beast::error_code ec, std::size_t bytes);
    void finish(Direction& direction);
    void extend_deadline();

    boost::beast::tcp_stream client_;
    boost::beast::tcp_stream upstream_;
    Direction up_;    // client -> upstream
    Direction down_;  // upstream -> client
    std::chrono::milliseconds idle_timeout_;
    std::atomic<std::int64_t>& open_connections_;
};

}  // namespace sessiongate::proxy
