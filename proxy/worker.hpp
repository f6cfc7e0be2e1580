// One I/O thread's world: its io_context, its connections, its upstream
// pool, its buffers, its tick and its view of the settings. Nothing here is
// shared with other threads except `shared` (the store and counters, which
// are thread-safe).
#pragma once

#include "config/config.hpp"
#include "proxy/buffer_pool.hpp"
#include "proxy/exchange_pool.hpp"
#include "proxy/metrics.hpp"
#include "proxy/tls_context.hpp"
#include "proxy/trusted_peers.hpp"
#include "proxy/upstream_pool.hpp"
#include "session/secret_keys.hpp"
#include "session/store.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <memory>
#include <optional>
#include <unordered_set>

namespace sessiongate::proxy {

/// A config with what is derived from it once (parsed peers, resolved upstream).
struct ProxySettings {
    explicit ProxySettings(config::ConfigPtr config);
    config::ConfigPtr config;
    TrustedPeers trusted;
    boost::asio::ip::tcp::endpoint upstream;
    TlsContextPtr listener_tls;  // null: plain HTTP
    TlsContextPtr upstream_tls;  // null: http:// upstream
};
using SettingsPtr = std::shared_ptr<const ProxySettings>;

struct SharedState {
    SharedState(session::Store& store, const session::SecretKeys& keys, std::string_view store_type)
        : store(store), keys(keys), metrics(SESSIONGATE_VERSION, store_type) {}
    session::Store& store;
    const session::SecretKeys& keys;
    Metrics metrics;
    std::atomic<bool> draining{false};
};

class ClientConnection;

struct Worker {
    /// How often deadlines are checked (timeouts fire up to this late) and
    /// idle pooled connections swept.
    static constexpr std::chrono::milliseconds tick_interval{100};

    Worker(SharedState& shared, SettingsPtr settings)
        : shared(shared),
          settings(std::move(settings)),
          pool(this->settings->config->upstream_pool.max_idle_per_thread,
               this->settings->config->upstream_pool.idle_timeout) {
        start_ticking();
    }

    // Destroyed explicitly, last: pending handlers (and the connections they
    // hold) go while the rest of the worker still exists.
    ~Worker() {
        ticker_.reset();
        pool.clear();
        context_.reset();
    }

private:
    std::unique_ptr<boost::asio::io_context> context_ = std::make_unique<boost::asio::io_context>(1);
    std::optional<boost::asio::steady_timer> ticker_{std::in_place, *context_};
    void start_ticking();

public:
    boost::asio::io_context& ioc = *context_;
    SharedState& shared;
    SettingsPtr settings;  // replaced (on this thread) when the config is reloaded
    BufferPool buffers;
    ExchangePool exchanges;
    UpstreamPool pool;
    std::unordered_set<ClientConnection*> connections;  // live ones: deadlines, draining

    /// Closes connections that sit idle between requests (SIGTERM).
    void close_idle_connections();
};

}  // namespace sessiongate::proxy
