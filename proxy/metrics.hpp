// What an operator graphs and alerts on, exported by the admin listener's
// /metrics in Prometheus text format. The registry, the metric types and
// the text format are prometheus-cpp's (core); every labelled series is
// made once here, so the request path only adds to a counter (an atomic)
// or observes a histogram (a short lock), never looks a series up.
//
// Figures that live elsewhere (open connections, stored sessions, the LMDB
// map) are read when scraped, not kept up to date on every change.
#pragma once

#include "session/session_state.hpp"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sessiongate::proxy {

enum class StoreOperation { Load, Write };
/// Why a request was refused as a CSRF: the reason label of the counter.
enum class CsrfRefusal { CrossSite, TokenMissing, TokenIncorrect };

using session::SessionEvent;

/// GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS, or "other": a label with a
/// bounded set of values, whatever methods clients invent.
std::string_view method_class(std::string_view method);

class Metrics {
public:
    using Duration = std::chrono::steady_clock::duration;

    /// Sizes read from the store when scraped; a store that cannot tell
    /// leaves them empty and the series is not written.
    struct StoreFigures {
        std::optional<std::uint64_t> sessions;
        std::optional<std::uint64_t> map_used_bytes;
        std::optional<std::uint64_t> map_size_bytes;
    };

    Metrics(std::string_view version, std::string_view store_type);
    Metrics(const Metrics&) = delete;
    Metrics& operator=(const Metrics&) = delete;

    // -- the request path
    void request_finished(std::string_view method, unsigned status, Duration took);
    void upstream_first_byte(Duration took);
    void store_operation(StoreOperation operation, Duration took);
    /// Created to Deleted; a refusal is counted by its cause (too large,
    /// store error, control header error), not here.
    void session_event(SessionEvent event);
    void session_too_large() { sessions_too_large_->Increment(); }
    void control_header_error() { control_header_errors_.Increment(); }
    void store_error() { store_errors_.Increment(); }
    void upstream_error() { upstream_errors_.Increment(); }
    void csrf_refused(CsrfRefusal why) { csrf_refusals_[static_cast<std::size_t>(why)]->Increment(); }

    void connection_accepted() {
        connections_accepted_.Increment();
        connections_open.fetch_add(1, std::memory_order_relaxed);
    }
    void connection_closed() { connections_open.fetch_sub(1, std::memory_order_relaxed); }
    /// A tunnel outlives the connection object it came from: it counts as
    /// an open connection of its own (the drain waits for it).
    void tunnel_opened() {
        tunnels_open.fetch_add(1, std::memory_order_relaxed);
        connections_open.fetch_add(1, std::memory_order_relaxed);
    }
    void tunnel_closed() {
        tunnels_open.fetch_sub(1, std::memory_order_relaxed);
        connections_open.fetch_sub(1, std::memory_order_relaxed);
    }

    // -- the process
    void sessions_expired(std::size_t count) { sessions_expired_->Increment(static_cast<double>(count)); }
    /// Sessions revoked through the admin API.
    void sessions_revoked(std::size_t count) { sessions_revoked_->Increment(static_cast<double>(count)); }
    /// One admin API request answered with `status`, counted by outcome.
    void admin_request(unsigned status);
    void reload_finished(bool applied) { (applied ? reloads_ok_ : reloads_refused_).Increment(); }
    /// The settings a reload could not apply (they wait for a restart);
    /// replaces the previous list.
    void set_restart_required(const std::vector<std::string>& settings);
    void set_store_figures(std::function<StoreFigures()> read);

    /// The exposition: every series, in Prometheus text format 0.0.4.
    std::string prometheus_text();

    /// Client connections (tunnels included) and tunnels open now: the
    /// drain waits for the first to reach zero.
    std::atomic<std::int64_t> connections_open{0};
    std::atomic<std::int64_t> tunnels_open{0};

private:
    static constexpr std::size_t method_classes = 8;
    static constexpr std::size_t status_classes = 5;

    prometheus::Registry registry_;
    prometheus::Family<prometheus::Counter>& requests_family_;
    std::array<std::array<prometheus::Counter*, status_classes>, method_classes> requests_{};
    prometheus::Histogram& request_duration_;
    prometheus::Histogram& upstream_first_byte_;
    prometheus::Histogram& store_load_;
    prometheus::Histogram& store_write_;
    std::array<prometheus::Counter*, 7> session_events_{};  // by SessionEvent; None and Refused unused
    prometheus::Counter* sessions_expired_ = nullptr;
    prometheus::Counter* sessions_too_large_ = nullptr;
    prometheus::Counter* sessions_revoked_ = nullptr;
    static constexpr std::size_t admin_outcomes = 7;
    std::array<prometheus::Counter*, admin_outcomes> admin_requests_{};
    prometheus::Counter& control_header_errors_;
    prometheus::Counter& store_errors_;
    prometheus::Counter& upstream_errors_;
    std::array<prometheus::Counter*, 3> csrf_refusals_{};  // by CsrfRefusal
    prometheus::Counter& connections_accepted_;
    prometheus::Gauge& connections_open_gauge_;
    prometheus::Gauge& tunnels_open_gauge_;
    prometheus::Counter& reloads_ok_;
    prometheus::Counter& reloads_refused_;
    prometheus::Family<prometheus::Gauge>& restart_required_;
    prometheus::Family<prometheus::Gauge>& stored_sessions_;
    prometheus::Family<prometheus::Gauge>& map_used_;
    prometheus::Family<prometheus::Gauge>& map_size_;

    std::mutex scrape_mutex_;  // scrapes and process events (reload) only
    std::vector<prometheus::Gauge*> restart_required_series_;
    std::function<StoreFigures()> read_store_;
};

}  // namespace sessiongate::proxy
