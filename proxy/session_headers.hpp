// The session layer (session/session_filter.hpp) applied to Beast headers:
// what to take from a request head and a response head, and what to add.
#pragma once

#include "config/config.hpp"
#include "session/session_filter.hpp"

#include <boost/beast/http/fields.hpp>

#include <string>
#include <vector>

namespace sessiongate::proxy {

namespace http = boost::beast::http;

/// Removes every client-sent header the upstream must be able to trust:
/// anything with the prefix and the `inject` header names. Always applied.
void strip_reserved_request_headers(http::fields& fields, const config::Config& config);

/// Finds our cookie in the Cookie headers and, when configured, removes it
/// from what goes upstream (other cookies kept, in order, in one header).
session::CookieLookup take_session_cookie(http::fields& fields, const config::Config& config);

/// Adds X-Session-Id, -State, X-Session, -Expires and the mapped headers.
void add_session_headers(http::fields& fields, const config::Config& config,
                         const session::RequestSession& session);

/// Reads and removes every control header of a response (prefix match).
session::ControlHeaders take_control_headers(http::fields& fields, std::string_view prefix);

/// Adds the Set-Cookie headers, `Vary: Cookie`, and `Cache-Control: private`
/// on a response that sets a cookie unless it is already private/no-store.
void add_session_response_headers(http::fields& fields, const std::vector<std::string>& set_cookies);

}  // namespace sessiongate::proxy
