#include "proxy/metrics.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <sstream>

using sessiongate::proxy::Metrics;
using sessiongate::proxy::SessionEvent;
using sessiongate::proxy::StoreOperation;
using namespace std::chrono_literals;

namespace {

// Every sample line of an exposition: "name{labels}" -> value.
std::map<std::string, double> samples(const std::string& text) {
    std::map<std::string, double> out;
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
        if (line.empty() || line[0] == '#') continue;
        auto space = line.rfind(' ');
        out[line.substr(0, space)] = std::stod(line.substr(space + 1));
    }
    return out;
}

}  // namespace

TEST_CASE("metrics: method classes are a bounded set") {
    using sessiongate::proxy::method_class;
    CHECK(method_class("GET") == "GET");
    CHECK(method_class("DELETE") == "DELETE");
    CHECK(method_class("OPTIONS") == "OPTIONS");
    CHECK(method_class("get") == "other");  // methods are case-sensitive
    CHECK(method_class("PROPFIND") == "other");
    CHECK(method_class("") == "other");
}

TEST_CASE("metrics: requests by method and status class, with their durations") {
    Metrics metrics("1.2.3", "lmdb");
    metrics.request_finished("GET", 200, 2ms);
    metrics.request_finished("GET", 204, 3ms);
    metrics.request_finished("POST", 503, 40ms);
    metrics.request_finished("BREW", 418, 1s);
    metrics.request_finished("GET", 0, 1ms);  // no status (never answered): not counted
    auto s = samples(metrics.prometheus_text());
    CHECK(s["sessiongate_requests_total{method=\"GET\",status=\"2xx\"}"] == 2);
    CHECK(s["sessiongate_requests_total{method=\"POST\",status=\"5xx\"}"] == 1);
    CHECK(s["sessiongate_requests_total{method=\"other\",status=\"4xx\"}"] == 1);
    CHECK(s["sessiongate_requests_total{method=\"HEAD\",status=\"3xx\"}"] == 0);  // every series from the start
    CHECK(s["sessiongate_request_duration_seconds_count"] == 4);
    CHECK(s["sessiongate_request_duration_seconds_bucket{le=\"0.0025\"}"] == 1);
    CHECK(s["sessiongate_request_duration_seconds_bucket{le=\"0.005\"}"] == 2);
    CHECK(s["sessiongate_request_duration_seconds_bucket{le=\"0.05\"}"] == 3);
    CHECK(s["sessiongate_request_duration_seconds_bucket{le=\"+Inf\"}"] == 4);
    CHECK(s["sessiongate_request_duration_seconds_sum"] == Approx(1.045));
}

TEST_CASE("metrics: upstream first byte and store operations") {
    Metrics metrics("1.2.3", "lmdb");
    metrics.upstream_first_byte(7ms);
    metrics.store_operation(StoreOperation::Load, 80us);
    metrics.store_operation(StoreOperation::Load, 90us);
    metrics.store_operation(StoreOperation::Write, 3ms);
    auto s = samples(metrics.prometheus_text());
    CHECK(s["sessiongate_upstream_first_byte_seconds_count"] == 1);
    CHECK(s["sessiongate_upstream_first_byte_seconds_bucket{le=\"0.005\"}"] == 0);
    CHECK(s["sessiongate_upstream_first_byte_seconds_bucket{le=\"0.01\"}"] == 1);
    CHECK(s["sessiongate_store_operation_seconds_count{operation=\"load\"}"] == 2);
    CHECK(s["sessiongate_store_operation_seconds_bucket{operation=\"load\",le=\"0.0001\"}"] == 2);
    CHECK(s["sessiongate_store_operation_seconds_count{operation=\"write\"}"] == 1);
    CHECK(s["sessiongate_store_operation_seconds_bucket{operation=\"write\",le=\"0.0025\"}"] == 0);
}

TEST_CASE("metrics: session events, expiry and refusals") {
    Metrics metrics("1.2.3", "lmdb");
    for (auto event : {SessionEvent::Created, SessionEvent::Created, SessionEvent::Saved, SessionEvent::Cycled,
                       SessionEvent::Flushed, SessionEvent::Deleted, SessionEvent::Refused, SessionEvent::None})
        metrics.session_event(event);
    metrics.session_too_large();
    metrics.sessions_expired(5);
    metrics.control_header_error();
    metrics.store_error();
    metrics.store_error();
    metrics.upstream_error();
    auto s = samples(metrics.prometheus_text());
    CHECK(s["sessiongate_sessions_total{event=\"created\"}"] == 2);
    CHECK(s["sessiongate_sessions_total{event=\"saved\"}"] == 1);
    CHECK(s["sessiongate_sessions_total{event=\"cycled\"}"] == 1);
    CHECK(s["sessiongate_sessions_total{event=\"flushed\"}"] == 1);
    CHECK(s["sessiongate_sessions_total{event=\"deleted\"}"] == 1);
    CHECK(s["sessiongate_sessions_total{event=\"too_large\"}"] == 1);
    CHECK(s["sessiongate_sessions_total{event=\"expired\"}"] == 5);
    CHECK(s.count("sessiongate_sessions_total{event=\"refused\"}") == 0);
    CHECK(s["sessiongate_control_header_errors_total"] == 1);
    CHECK(s["sessiongate_store_errors_total"] == 2);
    CHECK(s["sessiongate_upstream_errors_total"] == 1);
}

TEST_CASE("metrics: connections and tunnels, read when scraped") {
    Metrics metrics("1.2.3", "lmdb");
    metrics.connection_accepted();
    metrics.connection_accepted();
    metrics.connection_accepted();
    metrics.connection_closed();
    metrics.tunnel_opened();  // the connection it came from is gone
    metrics.connection_closed();
    auto s = samples(metrics.prometheus_text());
    CHECK(s["sessiongate_connections_accepted_total"] == 3);
    CHECK(s["sessiongate_connections_active"] == 2);
    CHECK(s["sessiongate_tunnels_active"] == 1);
    metrics.tunnel_closed();
    s = samples(metrics.prometheus_text());
    CHECK(s["sessiongate_connections_active"] == 1);
    CHECK(s["sessiongate_tunnels_active"] == 0);
    CHECK(metrics.connections_open.load() == 1);
}

TEST_CASE("metrics: reloads, settings waiting for a restart, build info, store figures") {
    Metrics metrics("1.2.3", "redis");
    metrics.reload_finished(true);
    metrics.reload_finished(false);
    metrics.reload_finished(true);
    metrics.set_restart_required({"listen", "store.path"});
    auto s = samples(metrics.prometheus_text());
    CHECK(s["sessiongate_config_reloads_total{result=\"ok\"}"] == 2);
    CHECK(s["sessiongate_config_reloads_total{result=\"refused\"}"] == 1);
    CHECK(s["sessiongate_restart_required{setting=\"listen\"}"] == 1);
    CHECK(s["sessiongate_restart_required{setting=\"store.path\"}"] == 1);
    CHECK(s["sessiongate_build_info{store=\"redis\",version=\"1.2.3\"}"] == 1);
    CHECK(s.count("sessiongate_sessions_stored") == 0);  // no figures from the store yet

    metrics.set_restart_required({"threads"});
    metrics.set_store_figures([] { return Metrics::StoreFigures{42, std::nullopt, 1 << 30}; });
    s = samples(metrics.prometheus_text());
    CHECK(s.count("sessiongate_restart_required{setting=\"listen\"}") == 0);
    CHECK(s["sessiongate_restart_required{setting=\"threads\"}"] == 1);
    CHECK(s["sessiongate_sessions_stored"] == 42);
    CHECK(s["sessiongate_lmdb_map_size_bytes"] == 1 << 30);
    CHECK(s.count("sessiongate_lmdb_map_used_bytes") == 0);
}

TEST_CASE("metrics: the exposition is Prometheus text with HELP and TYPE per family") {
    Metrics metrics("1.2.3", "lmdb");
    auto text = metrics.prometheus_text();
    CHECK(text.find("# TYPE sessiongate_requests_total counter\n") != std::string::npos);
    CHECK(text.find("# TYPE sessiongate_request_duration_seconds histogram\n") != std::string::npos);
    CHECK(text.find("# TYPE sessiongate_connections_active gauge\n") != std::string::npos);
    CHECK(text.find("# HELP sessiongate_store_operation_seconds ") != std::string::npos);
    // One family per name, even when built twice with different labels.
    auto first = text.find("# TYPE sessiongate_store_operation_seconds");
    CHECK(text.find("# TYPE sessiongate_store_operation_seconds", first + 1) == std::string::npos);
}
