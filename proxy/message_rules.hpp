// Small HTTP rules the relay applies in one place each: which responses
// carry a body, which status a broken request body gets, and the request id.
#pragma once

#include <boost/beast/core/error.hpp>

#include <string>
#include <string_view>

namespace sessiongate::proxy {

/// The interim answer to `Expect: 100-continue`: go on with the body.
constexpr std::string_view continue_head = "HTTP/1.1 100 Continue\r\n\r\n";

/// RFC 9110 6.4.1: no body after a HEAD request, nor in 1xx, 204 and 304
/// responses, whatever their framing headers say.
constexpr bool response_has_body(bool head_request, unsigned status) {
    return !head_request && status / 100 != 1 && status != 204 && status != 304;
}

/// What the client is told when its request body cannot be taken.
struct LocalAnswer {
    unsigned status;
    std::string_view reason;  // for the log line
};
/// body_limit -> 413; any other framing or parse error -> 400.
LocalAnswer request_body_error(boost::beast::error_code ec);

/// An X-Request-Id value kept as sent by a trusted peer: 1 to 128 of
/// A-Z a-z 0-9 and `-_.:+/=` (UUIDs, hex, base64), nothing that could
/// confuse a log reader.
bool is_sane_request_id(std::string_view value);

/// A fresh request id: 32 hex digits, unique per process (a per-thread random
/// start and a counter through a 64-bit mixer); not a secret.
std::string new_request_id();

}  // namespace sessiongate::proxy
