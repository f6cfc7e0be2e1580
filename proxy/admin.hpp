// The admin listener: /healthz (the process serves), /readyz (see
// readiness.hpp), /metrics (Prometheus text) and the session API
// (admin_api.hpp). Runs on the first I/O thread, the one the readiness
// probe runs on; session API calls wait for the store, so they run on a
// small thread pool of their own and the answer comes back to the I/O thread.
#pragma once

#include "proxy/admin_api.hpp"
#include "proxy/readiness.hpp"
#include "proxy/worker.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/thread_pool.hpp>

#include <functional>
#include <memory>

namespace sessiongate::proxy {

class AdminListener : public std::enable_shared_from_this<AdminListener> {
public:
    /// Binds at once (throws std::runtime_error with the address on failure).
    /// `settings` gives the settings in force (called on the I/O thread).
    AdminListener(boost::asio::io_context& ioc, const config::Endpoint& where, SharedState& shared,
                  std::shared_ptr<const ReadinessProbe> readiness, std::unique_ptr<AdminApi> api,
                  std::function<config::ConfigPtr()> settings);
    void start();
    void stop();
    /// Waits for the session API calls under way (before the store closes).
    void join_api_calls() { api_pool_.join(); }
    boost::asio::ip::tcp::endpoint local_endpoint() const { return acceptor_.local_endpoint(); }

private:
    void do_accept();
    boost::asio::io_context& ioc_;
    boost::asio::ip::tcp::acceptor acceptor_;
    SharedState& shared_;
    std::shared_ptr<const ReadinessProbe> readiness_;
    std::unique_ptr<AdminApi> api_;
    std::function<config::ConfigPtr()> settings_;
    boost::asio::thread_pool api_pool_{2};
};

/// Binds a listening socket; throws std::runtime_error naming the address.
boost::asio::ip::tcp::acceptor bind_acceptor(boost::asio::io_context& ioc, const config::Endpoint& where);

}  // namespace sessiongate::proxy
