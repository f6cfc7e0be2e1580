// RFC 9110 proxy rules on a message's header fields: hop-by-hop removal and
// the X-Forwarded-* headers. Pure functions over beast::http::fields.
#pragma once

#include <boost/beast/http/fields.hpp>

#include <string_view>

namespace sessiongate::proxy {

namespace http = boost::beast::http;

/// True for a request asking to switch to WebSocket (Upgrade: websocket with
/// Connection: upgrade).
bool is_websocket_upgrade(const http::fields& fields);

/// Removes hop-by-hop headers (Connection, Keep-Alive, Proxy-Connection, TE,
/// Trailer, Transfer-Encoding, Upgrade, Proxy-Authorization,
/// Proxy-Authenticate) and every header the Connection header names, except
/// framing headers and Host, which a client must not be able to remove.
/// With `keep_upgrade`, a WebSocket handshake keeps `Upgrade` and gets
/// `Connection: Upgrade` back.
void remove_hop_by_hop(http::fields& fields, bool keep_upgrade);

/// What X-Forwarded-* say about the client connection.
struct ForwardedFor {
    std::string_view peer_ip;
    bool peer_trusted = false;  // a configured proxy in front of us
    std::string_view proto;     // "http" or "https"
};

/// Sets X-Forwarded-For (appended to the client's list only for a trusted
/// peer, else replaced), X-Forwarded-Proto and X-Forwarded-Host (kept from a
/// trusted peer, else ours). Untrusted `Forwarded` headers are removed.
void set_forwarded_headers(http::fields& fields, const ForwardedFor& forwarded);

}  // namespace sessiongate::proxy
