#include "proxy/metrics.hpp"

#include <prometheus/text_serializer.h>

#include <sstream>

namespace sessiongate::proxy {
namespace {

using prometheus::BuildCounter;
using prometheus::BuildGauge;
using prometheus::BuildHistogram;

constexpr std::array<std::string_view, 8> method_names = {"GET",    "HEAD",    "POST", "PUT",
                                                           "PATCH", "DELETE", "OPTIONS", "other"};
constexpr std::array<std::string_view, 5> status_names = {"1xx", "2xx", "3xx", "4xx", "5xx"};

// Seconds. A request through the proxy takes from a millisecond (a cached
// page next door) to a minute (a report, a long poll); store operations
// from tens of microseconds (an LMDB read) to the store timeout.
const prometheus::Histogram::BucketBoundaries request_buckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                                  0.25,  0.5,    1,     2.5,  5,     10,   30};
const prometheus::Histogram::BucketBoundaries store_buckets = {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025,
                                                                0.005,   0.01,   0.025,   0.05,   0.1,   0.25, 1};

double seconds(Metrics::Duration took) { return std::chrono::duration<double>(took).count(); }

std::size_t method_index(std::string_view method) {
    // Methods are case-sensitive (RFC 9110 9.1): "get" is another method.
    std::size_t i = 0;
    while (i + 1 < method_names.size() && method != method_names[i]) ++i;
    return i;
}

}  // namespace

std::string_view method_class(std::string_view method) { return method_names[method_index(method)]; }

namespace {

constexpr std::array<std::string_view, 7> admin_outcome_names = {
    "ok", "bad_request", "unauthorized", "not_found", "method_not_allowed", "too_large", "error"};

std::size_t admin_outcome(unsigned status) {
    switch (status) {
    case 400: return 1;
    case 401: return 2;
    case 404: return 3;
    case 405: return 4;
    case 413: return 5;
    default: return status >= 200 && status < 300 ? 0 : 6;
    }
}

}  // namespace

void Metrics::admin_request(unsigned status) { admin_requests_[admin_outcome(status)]->Increment(); }

Metrics::Metrics(std::string_view version, std::string_view store_type)
    : requests_family_(BuildCounter()
                           .Name("sessiongate_requests_total")
                           .Help("Requests answered, by method and status class.")
                           .Register(registry_)),
      request_duration_(BuildHistogram()
                            .Name("sessiongate_request_duration_seconds")
                            .Help("From the first byte of a request head to the last byte of its response.")
                            .Register(registry_)
                            .Add({}, request_buckets)),
      upstream_first_byte_(BuildHistogram()
                               .Name("sessiongate_upstream_first_byte_seconds")
                               .Help("From the request head to the upstream's first response byte.")
                               .Register(registry_)
                               .Add({}, request_buckets)),
      store_load_(BuildHistogram()
                      .Name("sessiongate_store_operation_seconds")
                      .Help("Store calls on the request path, by operation.")
                      .Register(registry_)
                      .Add({{"operation", "load"}}, store_buckets)),
      store_write_(BuildHistogram()
                       .Name("sessiongate_store_operation_seconds")
                       .Help("Store calls on the request path, by operation.")
                       .Register(registry_)
                       .Add({{"operation", "write"}}, store_buckets)),
      control_header_errors_(BuildCounter()
                                 .Name("sessiongate_control_header_errors_total")
                                 .Help("Responses whose X-Session-* control headers were malformed.")
                                 .Register(registry_)
                                 .Add({})),
      store_errors_(BuildCounter()
                        .Name("sessiongate_store_errors_total")
                        .Help("Store calls that failed or timed out.")
                        .Register(registry_)
                        .Add({})),
      upstream_errors_(BuildCounter()
                           .Name("sessiongate_upstream_errors_total")
                           .Help("Upstream failures: refused, reset, timed out, a refused certificate.")
                           .Register(registry_)
                           .Add({})),
      connections_accepted_(BuildCounter()
                                .Name("sessiongate_connections_accepted_total")
                                .Help("Client connections accepted.")
                                .Register(registry_)
                                .Add({})),
      connections_open_gauge_(BuildGauge()
                                  .Name("sessiongate_connections_active")
                                  .Help("Client connections open now, WebSocket tunnels included.")
                                  .Register(registry_)
                                  .Add({})),
      tunnels_open_gauge_(BuildGauge()
                              .Name("sessiongate_tunnels_active")
                              .Help("WebSocket tunnels open now.")
                              .Register(registry_)
                              .Add({})),
      reloads_ok_(BuildCounter()
                      .Name("sessiongate_config_reloads_total")
                      .Help("Configuration reloads (SIGHUP), by result.")
                      .Register(registry_)
                      .Add({{"result", "ok"}})),
      reloads_refused_(BuildCounter()
                           .Name("sessiongate_config_reloads_total")
                           .Help("Configuration reloads (SIGHUP), by result.")
                           .Register(registry_)
                           .Add({{"result", "refused"}})),
      restart_required_(BuildGauge()
                            .Name("sessiongate_restart_required")
                            .Help("1 for each changed setting that keeps its running value until a restart.")
                            .Register(registry_)),
      stored_sessions_(BuildGauge()
                           .Name("sessiongate_sessions_stored")
                           .Help("Sessions in the store, expired ones not swept yet included.")
                           .Register(registry_)),
      map_used_(BuildGauge()
                    .Name("sessiongate_lmdb_map_used_bytes")
                    .Help("Bytes of the LMDB map in use.")
                    .Register(registry_)),
      map_size_(BuildGauge()
                    .Name("sessiongate_lmdb_map_size_bytes")
                    .Help("Size of the LMDB map now (it grows up to store.max_map_size).")
                    .Register(registry_)) {
    for (std::size_t m = 0; m < method_classes; ++m)
        for (std::size_t s = 0; s < status_classes; ++s)
            requests_[m][s] = &requests_family_.Add(
                {{"method", std::string(method_names[m])}, {"status", std::string(status_names[s])}});
    auto& events = BuildCounter()
                       .Name("sessiongate_sessions_total")
                       .Help("Sessions created, saved, cycled, flushed or deleted by a response, expired "
                             "(deleted by the background sweep), revoked (admin API), or refused as too large "
                             "(session_max_bytes).")
                       .Register(registry_);
    for (auto event : {SessionEvent::Created, SessionEvent::Saved, SessionEvent::Cycled, SessionEvent::Flushed,
                       SessionEvent::Deleted})
        session_events_[static_cast<std::size_t>(event)] = &events.Add({{"event", std::string(to_string(event))}});
    sessions_expired_ = &events.Add({{"event", "expired"}});
    sessions_too_large_ = &events.Add({{"event", "too_large"}});
    auto& csrf = BuildCounter()
                     .Name("sessiongate_csrf_refusals_total")
                     .Help("Unsafe requests refused with 403 by the CSRF check, by reason: cross_site, "
                           "token_missing, token_incorrect.")
                     .Register(registry_);
    csrf_refusals_[static_cast<std::size_t>(CsrfRefusal::CrossSite)] = &csrf.Add({{"reason", "cross_site"}});
    csrf_refusals_[static_cast<std::size_t>(CsrfRefusal::TokenMissing)] = &csrf.Add({{"reason", "token_missing"}});
    csrf_refusals_[static_cast<std::size_t>(CsrfRefusal::TokenIncorrect)] = &csrf.Add({{"reason", "token_incorrect"}});
    sessions_revoked_ = &events.Add({{"event", "revoked"}});
    auto& admin = BuildCounter()
                      .Name("sessiongate_admin_requests_total")
                      .Help("Admin session API requests, by outcome.")
                      .Register(registry_);
    for (std::size_t i = 0; i < admin_outcomes; ++i)
        admin_requests_[i] = &admin.Add({{"outcome", std::string(admin_outcome_names[i])}});
    BuildGauge()
        .Name("sessiongate_build_info")
        .Help("Always 1: the version and the store of this process.")
        .Register(registry_)
        .Add({{"version", std::string(version)}, {"store", std::string(store_type)}})
        .Set(1);
}

void Metrics::request_finished(std::string_view method, unsigned status, Duration took) {
    if (status < 100 || status > 599) return;
    requests_[method_index(method)][status / 100 - 1]->Increment();
    request_duration_.Observe(seconds(took));
}

void Metrics::upstream_first_byte(Duration took) { upstream_first_byte_.Observe(seconds(took)); }

void Metrics::store_operation(StoreOperation operation, Duration took) {
    (operation == StoreOperation::Load ? store_load_ : store_write_).Observe(seconds(took));
}

void Metrics::session_event(SessionEvent event) {
    if (auto* counter = session_events_[static_cast<std::size_t>(event)]) counter->Increment();
}

void Metrics::set_restart_required(const std::vector<std::string>& settings) {
    std::lock_guard lock(scrape_mutex_);
    for (auto* series : restart_required_series_) restart_required_.Remove(series);
    restart_required_series_.clear();
    for (const auto& setting : settings) {
        auto& series = restart_required_.Add({{"setting", setting}});
        series.Set(1);
        restart_required_series_.push_back(&series);
    }
}

void Metrics::set_store_figures(std::function<StoreFigures()> read) {
    std::lock_guard lock(scrape_mutex_);
    read_store_ = std::move(read);
}

std::string Metrics::prometheus_text() {
    std::lock_guard lock(scrape_mutex_);
    connections_open_gauge_.Set(static_cast<double>(connections_open.load(std::memory_order_relaxed)));
    tunnels_open_gauge_.Set(static_cast<double>(tunnels_open.load(std::memory_order_relaxed)));
    if (read_store_) {
        auto figures = read_store_();
        if (figures.sessions) stored_sessions_.Add({}).Set(static_cast<double>(*figures.sessions));
        if (figures.map_used_bytes) map_used_.Add({}).Set(static_cast<double>(*figures.map_used_bytes));
        if (figures.map_size_bytes) map_size_.Add({}).Set(static_cast<double>(*figures.map_size_bytes));
    }
    std::ostringstream out;
    prometheus::TextSerializer().Serialize(out, registry_.Collect());
    return out.str();
}

}  // namespace sessiongate::proxy
