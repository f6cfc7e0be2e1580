// The admin listener: /healthz (the process serves), /readyz (accepting and
// not draining), /metrics (Prometheus text). Runs on the first I/O thread.
#pragma once

#include "proxy/worker.hpp"

#include <boost/asio/ip/tcp.hpp>

#include <functional>
#include <memory>

namespace sessiongate::proxy {

class AdminListener : public std::enable_shared_from_this<AdminListener> {
public:
    /// Binds at once (throws std::runtime_error with the address on failure).
    AdminListener(boost::asio::io_context& ioc, const config::Endpoint& where, SharedState& shared);
    void start();
    void stop();
    boost::asio::ip::tcp::endpoint local_endpoint() const { return acceptor_.local_endpoint(); }

private:
    void do_accept();
    boost::asio::io_context& ioc_;
    boost::asio::ip::tcp::acceptor acceptor_;
    SharedState& shared_;
};

/// Binds a listening socket; throws std::runtime_error naming the address.
boost::asio::ip::tcp::acceptor bind_acceptor(boost::asio::io_context& ioc, const config::Endpoint& where);

}  // namespace sessiongate::proxy
