// The access log: one JSON line per request, built by a pure function from
// the facts of the exchange, so every field is unit-tested without a socket.
//
//   {"time":..., "level":"info", "event":"request", "request_id":"...",
//    "client":"203.0.113.7", "method":"GET", "host":"app.example.com",
//    "path":"/account", "status":200, "bytes_in":312, "bytes_out":5120,
//    "duration_us":1830, "upstream_us":1410, "user_agent":"...",
//    "session":"<handle>", "session_state":"active", "session_event":"saved"}
//
// The query string is left out unless log.query (it may carry tokens); the
// session is named by its handle (X-Session-Id), never by its id; text a
// client chose is cut to a bounded length. `time`, `level` and `event` are
// added by the logger.
#pragma once

#include "proxy/trusted_peers.hpp"

#include <boost/json/object.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

namespace sessiongate::proxy {

struct AccessFacts {
    std::string_view request_id;
    std::string_view client;  // resolved through trusted_proxies (resolve_client)
    std::string_view method;
    std::string_view host;
    std::string_view target;  // as requested, origin-form
    unsigned status = 0;
    std::uint64_t bytes_in = 0;   // request head and body
    std::uint64_t bytes_out = 0;  // response head and body
    std::chrono::microseconds duration{0};
    std::optional<std::chrono::microseconds> upstream;  // to the upstream's first byte; none when not asked
    std::string_view user_agent;
    std::string_view session_handle;  // the session the response leaves (or came with); empty: none
    std::string_view session_state;   // as the upstream was told: none | active | expired | invalid | unavailable
    std::string_view session_event;   // empty: nothing written
    std::string_view note;            // why the proxy answered itself, or cut the exchange short
};

/// The fields of the access line, in a fixed order.
boost::json::object access_line(const AccessFacts& facts, bool with_query);

/// The path as logged (access and error lines alike): without the query
/// string unless `with_query`, cut to a bounded length.
std::string_view logged_path(std::string_view target, bool with_query);

/// The client's address: the peer itself, unless the peer is a trusted proxy;
/// then X-Forwarded-For read from the right, skipping trusted proxies, up to
/// the first address that is not one (nginx's real_ip_recursive). An entry
/// that is not an address ends the walk at the hop before it.
std::string resolve_client(std::string_view peer, bool peer_trusted, std::string_view forwarded_for,
                           const TrustedPeers& trusted);

}  // namespace sessiongate::proxy
