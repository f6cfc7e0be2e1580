// The session step (session/session_step.hpp) applied to Beast headers:
// header values taken out of a request or response head for the step, and
// the step's answers put back in. No session decisions here.
#pragma once

#include "config/config.hpp"
#include "session/session_step.hpp"

#include <boost/beast/http/fields.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sessiongate::proxy {

namespace http = boost::beast::http;

/// Removes every client-sent header the upstream must be able to trust:
/// anything with the prefix and the `inject` header names. Always applied.
void strip_reserved_request_headers(http::fields& fields, const config::Config& config);

/// The request head as the step reads it. Views into `fields`: valid until
/// they change.
session::RequestHead session_request_head(const http::fields& fields, std::string_view method, std::string_view path,
                                          bool tls, bool peer_trusted);

/// Replaces every Cookie header with `cookie_header` (none when empty);
/// nullopt leaves them as they are.
void replace_cookie_headers(http::fields& fields, const std::optional<std::string>& cookie_header);

/// Adds headers (the step's upstream headers) after the others.
void add_headers(http::fields& fields, const std::vector<session::Header>& headers);

/// Removes every header under the prefix from a response and returns them,
/// (name, value) in order.
std::vector<std::pair<std::string, std::string>> take_control_headers(http::fields& fields, std::string_view prefix);

/// The response head as the step reads it: the status, the control headers
/// taken out already, and the upstream's Set-Cookie values (views into
/// `fields` and `control`).
session::ResponseHead session_response_head(const http::fields& fields, unsigned status,
                                            const std::vector<std::pair<std::string, std::string>>& control);

/// Removes the Set-Cookie headers at `indexes` (counted among Set-Cookie
/// headers, in order).
void drop_set_cookies(http::fields& fields, const std::vector<std::size_t>& indexes);

/// Adds the step's Set-Cookie values after the upstream's, `Vary: Cookie`
/// unless Vary covers it, and makes Cache-Control private when asked.
void add_session_response_headers(http::fields& fields, const session::ResponseDecision& decision);

}  // namespace sessiongate::proxy
