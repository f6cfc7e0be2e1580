// The admin listener: /healthz (the process serves), /readyz (see
// readiness.hpp), /metrics (Prometheus text). Runs on the first I/O thread,
// the one the readiness probe runs on.
#pragma once

#include "proxy/readiness.hpp"
#include "proxy/worker.hpp"

#include <boost/asio/ip/tcp.hpp>

#include <functional>
#include <memory>

namespace sessiongate::proxy {

class AdminListener : public std::enable_shared_from_this<AdminListener> {
public:
    /// Binds at once (throws std::runtime_error with the address on failure).
    AdminListener(boost::asio::io_context& ioc, const config::Endpoint& where, SharedState& shared,
                  std::shared_ptr<const ReadinessProbe> readiness);
    void start();
    void stop();
    boost::asio::ip::tcp::endpoint local_endpoint() const { return acceptor_.local_endpoint(); }

private:
    void do_accept();
    boost::asio::io_context& ioc_;
    boost::asio::ip::tcp::acceptor acceptor_;
    SharedState& shared_;
    std::shared_ptr<const ReadinessProbe> readiness_;
};

/// Binds a listening socket; throws std::runtime_error naming the address.
boost::asio::ip::tcp::acceptor bind_acceptor(boost::asio::io_context& ioc, const config::Endpoint& where);

}  // namespace sessiongate::proxy
