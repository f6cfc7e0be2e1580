// Bytes both ways between client and upstream after a 101 Switching Protocols
// (WebSocket): no parsing, no buffering beyond one fixed buffer per direction.
#pragma once

#include "proxy/metrics.hpp"
#include "proxy/tls_stream.hpp"

#include <boost/asio/steady_timer.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace sessiongate::proxy {

class Tunnel : public std::enable_shared_from_this<Tunnel> {
public:
    /// `*_leftover`: bytes each side sent after its head, not yet forwarded.
    /// `metrics` counts the tunnel, as a connection too, while it lives (SIGTERM drain waits
    /// for it); a tunnel quiet both ways for `idle_timeout` is closed.
    Tunnel(Stream client, Stream upstream, std::string client_leftover, std::string upstream_leftover,
           std::chrono::milliseconds idle_timeout, Metrics& metrics);
    ~Tunnel();
    void start();

private:
    struct Direction {
        Stream* from;
        Stream* to;
        std::string leftover;
        std::array<char, 16 * 1024> buffer{};
        bool done = false;
    };
    void pump(Direction& direction);
    void on_read(Direction& direction, boost::system::error_code ec, std::size_t bytes);
    void finish(Direction& direction);
    void watch_idle();

    Stream client_;
    Stream upstream_;
    Direction up_;    // client -> upstream
    Direction down_;  // upstream -> client
    boost::asio::steady_timer idle_timer_;
    std::chrono::milliseconds idle_timeout_;
    std::chrono::steady_clock::time_point last_traffic_;
    Metrics& metrics_;
};

}  // namespace sessiongate::proxy
