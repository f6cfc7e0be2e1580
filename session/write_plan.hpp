// Which store write a response calls for: the control headers of a response
// against the session the request came with (lazy sessions, 5xx, rolling
// expiry). What the write then does to the stored record is write_rules.hpp.
#pragma once

#include "session/control_headers.hpp"
#include "session/request_policy.hpp"
#include "session/session_record.hpp"
#include "session/session_state.hpp"
#include "session/session_write.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace sessiongate::session {

/// The session a request came with.
struct RequestSession {
    SessionState state = SessionState::None;
    std::string cookie_value;  // when Active
    SessionRecord record;      // when Active
};

/// The store write a response calls for, or nullopt when there is none (no
/// change, a 5xx response, sessions off, the store unavailable). `control`
/// must be a well-formed set (a malformed one is the caller's to void).
/// `fresh_id`/`fresh_handle` are left for the caller to fill in.
std::optional<SessionWrite> plan_session_write(const RequestPolicy& policy, const RequestSession& session,
                                               const ControlHeaders& control, unsigned status, std::int64_t now,
                                               std::size_t max_bytes);

}  // namespace sessiongate::session
