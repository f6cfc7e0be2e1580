// The X-Session-* response headers an upstream uses to change the session
// (the upstream contract, v1): X-Session-Update, -Action and -Expiry.
#pragma once

#include "session/session_write.hpp"

#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sessiongate::session {

/// One malformed control header.
struct ControlHeaderError {
    std::string header;  // its name as sent
    std::string error;   // what is wrong, with an excerpt of the value
};

/// The control headers of one response, parsed.
struct ControlHeaders {
    SessionAction action = SessionAction::None;
    std::vector<boost::json::object> patches;
    std::optional<ExpirySetting> expiry;
    std::vector<ControlHeaderError> errors;  // one per malformed header
    /// Names under the prefix the contract does not define (X-Session-Debug):
    /// stripped like the others, and void nothing.
    std::vector<std::string> unknown;
    bool any() const { return action != SessionAction::None || !patches.empty() || expiry.has_value(); }
};

/// True for a response header that is ours to read and strip (prefix match).
bool is_control_header(std::string_view prefix, std::string_view name);

/// Parses control headers given as (name, value) in response order; other
/// headers are skipped. A malformed header is recorded in `errors` and
/// contributes nothing; the session step then ignores the whole set (or
/// answers 502 under strict_control), so the session is never half-changed.
/// A name the contract does not define is only recorded in `unknown`.
ControlHeaders parse_control_headers(std::string_view prefix,
                                     const std::vector<std::pair<std::string_view, std::string_view>>& headers);

}  // namespace sessiongate::session
