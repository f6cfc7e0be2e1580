// run_server: the store, the I/O threads (each with its own io_context, its
// connections and its upstream pool), the listener that hands accepted
// sockets to them in turn, the admin listener and the signals.
#include "proxy/server.hpp"

#include "config/reload.hpp"
#include "proxy/admin.hpp"
#include "proxy/connection.hpp"
#include "proxy/log.hpp"
#include "proxy/worker.hpp"
#include "session/lmdb/store.hpp"
#include "session/store_factory.hpp"
#include "session/store_log.hpp"
#include "session/sweeper.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <csignal>
#include <thread>

namespace sessiongate::proxy {

namespace net = boost::asio;
using tcp = net::ip::tcp;

ProxySettings::ProxySettings(config::ConfigPtr config_)
    : config(std::move(config_)), trusted(config->trusted_proxies) {
    // Resolved once per configuration, not per connection.
    net::io_context ioc;
    tcp::resolver resolver(ioc);
    boost::system::error_code ec;
    auto results = resolver.resolve(config->upstream.host, std::to_string(config->upstream.port), ec);
    if (ec || results.empty())
        throw std::runtime_error("cannot resolve upstream " + config->upstream.url() + ": " + ec.message());
    upstream = results.begin()->endpoint();
    // Read from the files on every reload: a renewed certificate is used by
    // the next handshake.
    listener_tls = make_listener_tls(config->tls);
    upstream_tls = make_upstream_tls(config->upstream, config->upstream_tls);
}

void Worker::close_idle_connections() {
    // close_if_idle may end a connection and so change the set: copy first.
    std::vector<ClientConnection*> current(connections.begin(), connections.end());
    for (auto* connection : current)
        if (connections.count(connection)) connection->close_if_idle();
}

namespace {

// For the listening line: where the secret keys come from, so an operator
// knows which file to back up with the store (or to keep secret).
std::string key_source_text(const config::Config& config) {
    using session::KeySource;
    switch (session::SecretKeys::source_for(config)) {
    case KeySource::Environment: return "SESSIONGATE_SECRET_KEYS";
    case KeySource::File: return *config.secret_key_file;
    case KeySource::Generated: return session::SecretKeys::generated_key_path(config);
    case KeySource::None: break;
    }
    return "";
}

// One line per certificate in use, at start and after each reload, so an
// operator sees which certificate (and expiry) the process serves now.
void log_certificates(const ProxySettings& settings) {
    auto log_one = [](const char* role, const TlsContextPtr& context) {
        if (!context) return;
        auto facts = describe_certificate(*context);
        if (facts.subject.empty()) return;  // an upstream context without a client certificate
        boost::json::object line{{"role", role},
                                 {"subject", facts.subject},
                                 {"names", boost::json::array(facts.names.begin(), facts.names.end())},
                                 {"not_after", facts.not_after}};
        if (facts.expired) return log_warn("tls_certificate_expired", std::move(line));
        log_event("tls_certificate", std::move(line));
    };
    log_one("listener", settings.listener_tls);
    log_one("upstream_client", settings.upstream_tls);
}

std::string_view store_type_text(config::StoreType type) {
    switch (type) {
    case config::StoreType::Lmdb: return "lmdb";
    case config::StoreType::Redis: return "redis";
    case config::StoreType::Cookie: return "cookie";
    }
    return "unknown";
}

// What /metrics shows of the store, read when scraped (off the request path).
Metrics::StoreFigures store_figures(session::Store& store) {
    Metrics::StoreFigures figures;
    // Only LMDB counts its sessions cheaply; Redis would SCAN the keys of a
    // shared server on every scrape.
    if (auto* lmdb = dynamic_cast<session::LmdbStore*>(&store)) {
        figures.sessions = lmdb->admin()->count();
        auto stats = lmdb->stats();
        figures.map_size_bytes = stats.map_size;
        figures.map_used_bytes = stats.map_used;
    }
    return figures;
}

class Server {
public:
    Server(config::ConfigPtr config, ConfigReloader reload)
        : keys_(session::SecretKeys::load(*config)),
          store_(session::open_store(*config, &keys_)),
          shared_{*store_, keys_, store_type_text(config->store.type)},
          reload_(std::move(reload)) {
        if (auto* sweep = store_->expiry_sweep())
            sweeper_.emplace(*sweep, config->store.sweep_interval, session::Sweeper::unix_now,
                             [this](std::size_t removed) { shared_.metrics.sessions_expired(removed); });
        shared_.metrics.set_store_figures([this] { return store_figures(*store_); });
        auto settings = std::make_shared<const ProxySettings>(config);
        for (unsigned i = 0; i < config->threads; ++i)
            workers_.push_back(std::make_unique<Worker>(shared_, settings));
        auto& main = workers_.front()->ioc;
        acceptor_.emplace(bind_acceptor(main, config->listen));
        readiness_ = std::make_shared<ReadinessProbe>(
            main, *store_, [w = workers_.front().get()] { return w->settings->upstream; }, shared_.draining);
        admin_ = std::make_shared<AdminListener>(
            main, config->admin, shared_, readiness_,
            std::make_unique<AdminApi>(store_->admin(), load_admin_token(*config), shared_.metrics),
            [w = workers_.front().get()] { return w->settings->config; });
        signals_.emplace(main, SIGTERM, SIGINT, SIGHUP);
        drain_deadline_ = config->timeouts.drain;
        started_ = config;
    }

    int run() {
        do_accept();
        admin_->start();
        readiness_->start();
        wait_for_signal();
        std::vector<std::thread> threads;
        std::vector<net::executor_work_guard<net::io_context::executor_type>> guards;
        for (auto& worker : workers_) guards.push_back(net::make_work_guard(worker->ioc));
        for (std::size_t i = 1; i < workers_.size(); ++i)
            threads.emplace_back([&, i] { workers_[i]->ioc.run(); });
        // Only now is everything up: tests and operators wait for this line.
        log_event("listening", {{"listen", endpoint_text(acceptor_->local_endpoint())},
                                {"admin", endpoint_text(admin_->local_endpoint())},
                                {"upstream", started_->upstream.url()},
                                {"threads", started_->threads},
                                {"tls", started_->tls.cert_file.has_value()},
                                {"store", started_->store.path},
                                {"secret_keys", key_source_text(*started_)}});
        log_certificates(*workers_.front()->settings);
        workers_.front()->ioc.run();
        for (auto& thread : threads) thread.join();
        // The store's threads go before the workers: a late store callback
        // must find its worker's io_context still there. Admin API calls
        // under way finish first: they use the store.
        admin_->join_api_calls();
        sweeper_.reset();
        store_.reset();
        log_event("stopped");
        return 0;
    }

private:
    static std::string endpoint_text(const tcp::endpoint& endpoint) {
        auto address = endpoint.address().to_string();
        if (endpoint.address().is_v6()) address = "[" + address + "]";
        return address + ":" + std::to_string(endpoint.port());
    }

    void do_accept() {
        // Round-robin: each accepted socket belongs to the next I/O thread.
        auto& worker = *workers_[next_worker_++ % workers_.size()];
        acceptor_->async_accept(worker.ioc, [this, &worker](boost::system::error_code ec, Socket socket) {
            if (!acceptor_->is_open()) return;
            if (ec) {
                // Out of descriptors and the like: pause instead of spinning.
                log_error("accept_error", {{"error", ec.message()}});
                retry_.emplace(workers_.front()->ioc, std::chrono::milliseconds(100));
                return retry_->async_wait([this](boost::system::error_code) { do_accept(); });
            }
            net::post(worker.ioc, [&worker, socket = std::move(socket)]() mutable {
                std::make_shared<ClientConnection>(worker, std::move(socket))->start();
            });
            do_accept();
        });
    }

    void wait_for_signal() {
        signals_->async_wait([this](boost::system::error_code ec, int signal) {
            if (ec) return;
            if (signal == SIGHUP) {
                reload();
                return wait_for_signal();
            }
            if (shared_.draining.exchange(true)) return stop_now();  // a second signal
            drain();
            wait_for_signal();
        });
    }

    void reload() {
        auto loaded = reload_ ? reload_() : nullptr;
        if (!loaded) return shared_.metrics.reload_finished(false);  // the reloader logged why
        // Listeners, threads, store and keys were set up at start: those
        // settings keep their running values until a restart.
        config::Reload plan = config::plan_reload(*started_, *loaded);
        std::shared_ptr<const ProxySettings> settings;
        try {
            settings = std::make_shared<const ProxySettings>(plan.config);
        } catch (const std::exception& e) {
            log_error("reload_failed", {{"problems", boost::json::array{e.what()}}});
            return shared_.metrics.reload_finished(false);
        }
        for (auto& worker : workers_)
            net::post(worker->ioc, [w = worker.get(), settings] {
                w->settings = settings;
                const auto& pool = settings->config->upstream_pool;
                w->pool.set_limits(pool.max_idle_per_thread, pool.idle_timeout);
            });
        set_log_level(plan.config->log.level);
        drain_deadline_ = plan.config->timeouts.drain;
        shared_.metrics.reload_finished(true);
        shared_.metrics.set_restart_required(plan.restart_required);
        if (!plan.restart_required.empty()) {
            boost::json::array names(plan.restart_required.begin(), plan.restart_required.end());
            log_warn("restart_required",
                     {{"settings", std::move(names)},
                      {"message", "changed settings keep their running values until sessiongate is restarted"}});
        }
        log_event("reloaded", {{"source", plan.config->source}});
        log_certificates(*settings);
    }

    void drain() {
        // Stop accepting; idle connections close now, busy ones after their
        // current response (keep-alive is switched off while draining).
        log_event("draining", {{"connections", shared_.metrics.connections_open.load()}});
        boost::system::error_code ignored;
        acceptor_->close(ignored);
        for (auto& worker : workers_)
            net::post(worker->ioc, [w = worker.get()] { w->close_idle_connections(); });
        drain_until_ = std::chrono::steady_clock::now() + drain_deadline_;
        poll_drain();
    }

    void poll_drain() {
        if (shared_.metrics.connections_open.load() == 0 || std::chrono::steady_clock::now() >= drain_until_)
            return stop_now();
        drain_timer_.emplace(workers_.front()->ioc, std::chrono::milliseconds(20));
        drain_timer_->async_wait([this](boost::system::error_code) {
            for (auto& worker : workers_)
                net::post(worker->ioc, [w = worker.get()] { w->close_idle_connections(); });
            poll_drain();
        });
    }

    void stop_now() {
        admin_->stop();
        readiness_->stop();
        signals_->cancel();
        for (auto& worker : workers_) worker->ioc.stop();
    }

    session::SecretKeys keys_;
    std::unique_ptr<session::Store> store_;
    SharedState shared_;
    std::optional<session::Sweeper> sweeper_;  // after shared_: it reports to the metrics
    ConfigReloader reload_;
    config::ConfigPtr started_;  // as started: the settings a reload keeps (config::needs_restart)
    std::vector<std::unique_ptr<Worker>> workers_;
    std::optional<tcp::acceptor> acceptor_;
    std::shared_ptr<ReadinessProbe> readiness_;
    std::shared_ptr<AdminListener> admin_;
    std::optional<net::signal_set> signals_;
    std::optional<net::steady_timer> retry_;
    std::optional<net::steady_timer> drain_timer_;
    std::chrono::milliseconds drain_deadline_{};
    std::chrono::steady_clock::time_point drain_until_;
    std::size_t next_worker_ = 0;
};

}  // namespace

int run_server(config::ConfigPtr config, ConfigReloader reload) {
    // Writes to a client that has gone must not kill the process.
    std::signal(SIGPIPE, SIG_IGN);
    set_log_level(config->log.level);
    // The stores' lines (Redis connection trouble, store errors) as ours.
    session::set_store_log_sink([](config::LogLevel level, std::string_view event, boost::json::object fields) {
        log_at(level, event, std::move(fields));
    });
    Server server(std::move(config), std::move(reload));
    return server.run();
}

}  // namespace sessiongate::proxy
