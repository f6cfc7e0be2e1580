// What the upstream is told about a request's session, and what the access
// log says a response did to it.
#pragma once

#include <string_view>

namespace sessiongate::session {

/// X-Session-State.
enum class SessionState {
    None,         // no cookie
    Active,       // the cookie named a live session
    Expired,      // the cookie named an expired session
    Invalid,      // unknown or malformed cookie
    Unavailable,  // the store failed and store.unavailable: anonymous let the request through
};
std::string_view to_string(SessionState state);

/// The access log's session event: what the response did to the session.
enum class SessionEvent {
    None,     // nothing written
    Created,  // a new session saved
    Saved,    // the session saved under its id (update, expiry, rolling touch)
    Cycled,   // the data saved under a new id (cycle)
    Flushed,  // the session deleted by flush (updates after it started a new one)
    Deleted,  // the session became empty and was deleted
    Refused,  // a change asked for and not made (too large, deleted meanwhile,
              // store failure, malformed control headers under strict_control)
};
std::string_view to_string(SessionEvent event);

}  // namespace sessiongate::session
