// The request headers the upstream gets about the session, and the ones a
// client may never send it.
#pragma once

#include "config/config.hpp"
#include "session/session_record.hpp"
#include "session/session_state.hpp"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sessiongate::session {

using Header = std::pair<std::string, std::string>;

/// True for a request header a client must never send upstream: anything
/// starting with the prefix, and the header names of `inject`.
bool is_reserved_request_header(const config::Config& config, std::string_view name);

/// X-Session-State, and for an active session (`record`) X-Session-Id,
/// -Expires, X-Session and the mapped headers (ASCII text as it is, other
/// text as a JSON string, other values as JSON). Values are ASCII only and
/// never contain CR, LF or NUL (JSON escapes them); mapped text that would
/// is left out.
std::vector<Header> upstream_session_headers(const config::Config& config, SessionState state,
                                             const SessionRecord* record);

}  // namespace sessiongate::session
