// The session layer as a pure object with two moments, like an HTTP filter:
//
//   request head  -> which cookie to load; after the load, the headers the
//                    upstream gets (X-Session-Id, -State, X-Session, -Expires,
//                    mapped headers);
//   response head -> the control headers parsed, the store write to make, and
//                    after it the Set-Cookie to send.
//
// No sockets and no Beast: the proxy hands in header values and applies the
// headers returned. Everything here is unit-tested with plain values.
#pragma once

#include "config/config.hpp"
#include "session/secret_keys.hpp"
#include "session/store.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sessiongate::session {

using Header = std::pair<std::string, std::string>;

enum class SessionState { None, Active, Expired, Invalid };
std::string_view to_string(SessionState state);

/// Settings in force for one request: the config with its route applied.
struct RequestPolicy {
    bool sessions = true;  // false: the route switched sessions off
    config::CookieSettings cookie;
    bool save_every_request = false;
    std::int64_t touch_interval = 60;
    ExpiryPolicy expiry;
};
RequestPolicy policy_for(const config::Config& config, std::string_view path);

/// The session cookie among the request's Cookie headers.
struct CookieLookup {
    enum class Kind { Absent, WellFormed, Malformed } kind = Kind::Absent;
    std::string value;  // when WellFormed
};
/// Finds cookie `name` in any of `cookie_headers` (RFC 6265 `a=b; c=d`).
/// A value that is not exactly a session id is Malformed and never looked up.
CookieLookup find_session_cookie(const std::vector<std::string_view>& cookie_headers,
                                 std::string_view name);

/// `cookie_header` without cookie `name`; empty when nothing else is left.
std::string remove_cookie(std::string_view cookie_header, std::string_view name);

/// What the request carries into the response moment.
struct RequestSession {
    SessionState state = SessionState::None;
    std::string cookie_value;  // when Active
    SessionRecord record;      // when Active
};

/// Combines the cookie lookup with the store's answer.
RequestSession resolve_request_session(const CookieLookup& cookie, const LoadResult* loaded);

/// True for a request header a client must never send upstream: anything
/// starting with the prefix, and the header names of `inject`.
bool is_reserved_request_header(const config::Config& config, std::string_view name);

/// Headers added to the upstream request. Values never contain CR, LF or NUL
/// (JSON escapes them); mapped header values that would are left out.
std::vector<Header> upstream_session_headers(const config::Config& config,
                                             const RequestSession& session);

/// The control headers of one response, parsed.
struct ControlHeaders {
    SessionAction action = SessionAction::None;
    std::vector<boost::json::object> patches;
    std::optional<ExpirySetting> expiry;
    std::vector<std::string> errors;  // one message per malformed header
    bool any() const {
        return action != SessionAction::None || !patches.empty() || expiry.has_value();
    }
};

/// True for a response header that is ours to read and strip (prefix match).
bool is_control_header(std::string_view prefix, std::string_view name);

/// Parses control headers given as (name, value) in response order. A
/// malformed header is recorded in `errors` and contributes nothing; if any
/// header is malformed, callers ignore the whole set (or answer 502 when
/// strict_control is set), so the session is never half-changed.
ControlHeaders parse_control_headers(std::string_view prefix,
                                     const std::vector<std::pair<std::string_view, std::string_view>>& headers);

/// The store write a response calls for, or nullopt when there is none
/// (no change, a 5xx response, sessions off). `fresh_id`/`fresh_handle` are
/// filled in by the caller from the id generator only when a write is made.
std::optional<SessionWrite> plan_session_write(const RequestPolicy& policy,
                                               const RequestSession& session,
                                               const ControlHeaders& control,
                                               unsigned status,
                                               std::int64_t now,
                                               std::size_t max_bytes);

/// Set-Cookie header values for the write's result (none, one to set, or one
/// to delete as Django writes it).
std::vector<std::string> response_cookies(const RequestPolicy& policy,
                                          const RequestSession& session,
                                          const WriteResult& result,
                                          std::int64_t now);

/// Set-Cookie value setting the session cookie (expiry 0 / expire_at_browser_close
/// give a cookie with no Max-Age/Expires).
std::string format_session_cookie(const config::CookieSettings& cookie,
                                   std::string_view value,
                                   std::optional<std::int64_t> max_age,
                                   std::int64_t now);
/// Django's deletion cookie: empty value, Max-Age=0, Expires in 1970, same Path/Domain.
std::string format_deletion_cookie(const config::CookieSettings& cookie);

/// True when a Cache-Control value already keeps shared caches out
/// (`private` or `no-store`).
bool cache_control_is_private(std::string_view cache_control);

}  // namespace sessiongate::session
