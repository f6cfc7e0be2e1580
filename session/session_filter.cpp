// The decisions of the session layer: the policy of a request, the state the
// upstream is told, the store write a response calls for and its cookie.
#include "session/session_filter.hpp"

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

std::string_view to_string(SessionState state) {
    switch (state) {
        case SessionState::None: return "none";
        case SessionState::Active: return "active";
        case SessionState::Expired: return "expired";
        case SessionState::Invalid: return "invalid";
    }
    return "none";
}

RequestPolicy policy_for(const config::Config& config, std::string_view path) {
    RequestPolicy policy;
    policy.cookie = config.cookie;
    policy.save_every_request = config.save_every_request;
    policy.touch_interval = config.touch_interval;
    policy.expiry.age = config.cookie.age;
    policy.expiry.max_lifetime = config.max_lifetime;
    if (const auto* route = config.route_for(path)) {
        policy.sessions = route->sessions;
        if (route->cookie_age) {
            policy.cookie.age = *route->cookie_age;
            policy.expiry.age = *route->cookie_age;
        }
        if (route->save_every_request) policy.save_every_request = *route->save_every_request;
        if (route->max_lifetime) policy.expiry.max_lifetime = *route->max_lifetime;
    }
    return policy;
}

// A store error is reported as Invalid: the session cannot be shown, and its
// id must not be adopted either (the data saved on this request, if any,
// starts a new session rather than overwriting one we could not read).
RequestSession resolve_request_session(const CookieLookup& cookie, const LoadResult* loaded) {
    RequestSession session;
    switch (cookie.kind) {
        case CookieLookup::Kind::Absent:
            session.state = SessionState::None;
            return session;
        case CookieLookup::Kind::Malformed:
            session.state = SessionState::Invalid;
            return session;
        case CookieLookup::Kind::WellFormed:
            break;
    }
    if (loaded == nullptr) {
        session.state = SessionState::Invalid;
        return session;
    }
    switch (loaded->status) {
        case LoadStatus::Found:
            session.state = SessionState::Active;
            session.cookie_value = cookie.value;
            session.record = loaded->record;
            break;
        case LoadStatus::Expired:
            session.state = SessionState::Expired;
            break;
        case LoadStatus::NotFound:
        case LoadStatus::Error:
            session.state = SessionState::Invalid;
            break;
    }
    return session;
}

std::optional<SessionWrite> plan_session_write(const RequestPolicy& policy,
                                               const RequestSession& session,
                                               const ControlHeaders& parsed,
                                               unsigned status,
                                               std::int64_t now,
                                               std::size_t max_bytes) {
    if (!policy.sessions || status >= 500) return std::nullopt;
    // A set with a malformed header is ignored whole; a rolling touch still
    // happens, as for a response with no control headers.
    static const ControlHeaders no_control;
    const ControlHeaders& control = parsed.errors.empty() ? parsed : no_control;
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

std::vector<std::string> response_cookies(const RequestPolicy& policy,
                                          const RequestSession& session,
                                          const WriteResult& result,
                                          std::int64_t now) {
    if (!policy.sessions) return {};
    switch (result.outcome) {
        case WriteOutcome::Saved: {
            if (result.cookie_value.empty()) return {};
            const auto& record = result.record;
            // As Django's get_expire_at_browser_close(): an explicit expiry
            // decides, else the configured expire_at_browser_close.
            const bool browser_session = record.expiry_seconds ? *record.expiry_seconds == 0
                                                               : policy.cookie.expire_at_browser_close;
            std::optional<std::int64_t> max_age;
            if (!browser_session) max_age = std::max<std::int64_t>(0, record.expires - now);
            return {format_session_cookie(policy.cookie, result.cookie_value, max_age, now)};
        }
        case WriteOutcome::Deleted:
            // Only a cookie that named a live session is expired; stale
            // cookies are left alone, as Django leaves them.
            if (session.state != SessionState::Active) return {};
            return {format_deletion_cookie(policy.cookie)};
        case WriteOutcome::Unchanged:
        case WriteOutcome::Gone:
        case WriteOutcome::TooLarge:
        case WriteOutcome::Full:
        case WriteOutcome::Error:
            break;
    }
    return {};
}

}  // namespace sessiongate::session
