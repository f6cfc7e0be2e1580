#include "session/write_plan.hpp"

#include "session/merge_patch.hpp"

#include <algorithm>

namespace sessiongate::session {

namespace {

/// True when the patches, applied in order to an empty session, leave data:
/// without a session, only that is worth starting one for (lazy sessions).
bool patches_leave_data(const std::vector<boost::json::object>& patches) {
    boost::json::object data;
    for (const auto& patch : patches) apply_merge_patch(data, patch);
    return !data.empty();
}

bool any_nonempty_patch(const std::vector<boost::json::object>& patches) {
    return std::any_of(patches.begin(), patches.end(), [](const auto& patch) { return !patch.empty(); });
}

}  // namespace

std::optional<SessionWrite> plan_session_write(const RequestPolicy& policy, const RequestSession& session,
                                               const ControlHeaders& control, unsigned status, std::int64_t now,
                                               std::size_t max_bytes) {
    if (!policy.sessions || status >= 500 || session.state == SessionState::Unavailable) return std::nullopt;
    const bool active = session.state == SessionState::Active;

    SessionWrite write;
    write.current = active ? session.cookie_value : std::string();
    // Without an active session there is nothing to flush, cycle or clear:
    // the patches alone decide whether a new session starts.
    write.action = active ? control.action : SessionAction::None;
    write.touch = active && policy.save_every_request && now - session.record.modified >= policy.touch_interval;

    const bool changes = active ? write.action != SessionAction::None || any_nonempty_patch(control.patches) ||
                                      control.expiry.has_value()
                                : patches_leave_data(control.patches);
    if (!changes && !write.touch) return std::nullopt;

    write.patches = control.patches;
    write.expiry = control.expiry;
    write.now = now;
    write.policy = policy.expiry;
    write.max_bytes = max_bytes;
    return write;
}

}  // namespace sessiongate::session
