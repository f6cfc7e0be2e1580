#include "proxy/metrics.hpp"

namespace sessiongate::proxy {
namespace {

void counter(std::string& out, const char* name, const char* help, std::uint64_t value,
             const char* type = "counter") {
    out += "# HELP sessiongate_";
    out += name;
    out += ' ';
    out += help;
    out += "\n# TYPE sessiongate_";
    out += name;
    out += ' ';
    out += type;
    out += "\nsessiongate_";
    out += name;
    out += ' ';
    out += std::to_string(value);
    out += '\n';
}

}  // namespace

std::string Metrics::prometheus_text() const {
    auto get = [](const Counter& c) { return c.load(std::memory_order_relaxed); };
    std::string out;
    counter(out, "requests_total", "Requests received.", get(requests));
    out += "# HELP sessiongate_responses_total Responses sent, by status class.\n"
           "# TYPE sessiongate_responses_total counter\n";
    for (int i = 1; i < 6; ++i)
        out += "sessiongate_responses_total{class=\"" + std::to_string(i) + "xx\"} " +
               std::to_string(get(responses_by_class[i])) + "\n";
    counter(out, "rejected_requests_total", "Requests refused by the proxy (malformed, too large).",
            get(rejected_requests));
    counter(out, "upstream_errors_total", "Upstream failures answered with 502 or 504.",
            get(upstream_errors));
    counter(out, "control_header_errors_total", "Malformed session control headers from the upstream.",
            get(control_header_errors));
    counter(out, "sessions_saved_total", "Session saves.", get(sessions_saved));
    counter(out, "sessions_deleted_total", "Sessions deleted by flush or emptying.", get(sessions_deleted));
    counter(out, "sessions_too_large_total", "Session updates refused for size.", get(sessions_too_large));
    counter(out, "store_errors_total", "Store failures.", get(store_errors));
    counter(out, "connections_accepted_total", "Client connections accepted.", get(connections_accepted));
    counter(out, "connections_open", "Client connections open now.",
            static_cast<std::uint64_t>(connections_open.load(std::memory_order_relaxed)), "gauge");
    return out;
}

}  // namespace sessiongate::proxy
