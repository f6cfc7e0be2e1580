// The session step of one exchange, an HTTP filter in Envoy's sense: the
// proxy hands it each moment of the exchange as plain values and applies
// what it answers. It owns every session decision; the proxy only moves
// header values in and out and calls the store.
//
//   (a) on_request_head   route policy, our cookie, secure transport, the
//                         CSRF origin check
//                         -> what to load, the Cookie header for upstream
//   (b) on_loaded         the load's result (or that none was made)
//                         -> go on with these upstream headers, or refuse
//                            (503 + Retry-After when the store failed under
//                            store.unavailable: reject; 403 for CSRF), or
//                            first find the CSRF token in the form body
//   (b') on_form_token    the body's csrfmiddlewaretoken -> go on, or 403
//   (c) on_response_head  status, control headers, the upstream's Set-Cookie
//                         -> the store write to make (fresh id and handle
//                            minted here), Set-Cookies to drop, or a 502
//                            under strict_control
//   (d) on_written        the write's result (or that none was made)
//                         -> Set-Cookie values, Vary / Cache-Control needs,
//                            a 503 when the store failed
//
// and, for the access log, the session's state, handle and event. Each
// moment also returns notes: what to log (carrying the request id) and
// count. No sockets, no Beast, no clock: unit-tested with plain values.
#pragma once

#include "config/config.hpp"
#include "session/control_headers.hpp"
#include "session/request_policy.hpp"
#include "session/secret_keys.hpp"
#include "session/session_cookie.hpp"
#include "session/session_state.hpp"
#include "session/store.hpp"
#include "session/upstream_headers.hpp"
#include "session/write_plan.hpp"

#include <boost/json/object.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sessiongate::session {

/// What the request head tells the step.
struct RequestHead {
    std::string_view path;                         // without the query string
    std::vector<std::string_view> cookie_headers;  // every Cookie header value, in order
    bool tls = false;                              // the client connection is TLS
    /// The first X-Forwarded-Proto value when the peer is a trusted proxy,
    /// else empty (a client's own claim counts for nothing).
    std::string_view trusted_forwarded_proto;

    // For the CSRF checks (csrf.mode); views, like the rest.
    std::string_view method{};
    std::string_view host{};  // the Host header
    /// The first X-Forwarded-Host value when the peer is a trusted proxy.
    std::string_view trusted_forwarded_host{};
    std::optional<std::string_view> origin{};
    std::optional<std::string_view> sec_fetch_site{};
    std::optional<std::string_view> csrf_token{};  // the X-CSRFToken header
    bool form_body = false;  // Content-Type application/x-www-form-urlencoded
};

/// What the request head calls for.
struct RequestStart {
    std::optional<std::string> load;  // the cookie value to look up in the store
    /// The Cookie header to send upstream in place of the client's ("" for
    /// none); nullopt leaves them as sent.
    std::optional<std::string> cookie_header;
};

/// An answer the proxy gives itself instead of the upstream's.
struct LocalReply {
    unsigned status = 0;
    std::string reason;  // for the access log
    std::vector<Header> headers;
    std::string body{};  // text/plain; empty: the status's reason phrase
};

/// Something to log, and count, about the session of this exchange.
struct StepNote {
    enum class Kind {
        ControlHeaderError,    // a malformed control header: the set is void (or 502)
        UnknownControlHeader,  // a name under the prefix the contract does not define
        SetCookieDropped,      // the upstream set our cookie's name: the proxy owns it
        StoreError,            // the store failed, timed out or holds a damaged record
        SessionTooLarge,     // an update refused by session_max_bytes
        SessionGone,         // the session was deleted meanwhile: a save refused
        CsrfCrossSite,       // 403: the origin check refused an unsafe request
        CsrfTokenMissing,    // 403: an unsafe request of a session without a token
        CsrfTokenIncorrect,  // 403: a token that is not the session's
    } kind;
    boost::json::object fields;  // request_id first, then the details

    std::string_view event() const;  // the log line's event name
    config::LogLevel level() const;
};

struct RequestDecision {
    std::optional<LocalReply> reply;      // refuse: answer this, forward nothing
    std::vector<Header> upstream_headers;  // add to the request sent upstream
    /// Forward nothing yet: find the csrfmiddlewaretoken field in the first
    /// csrf.max_form_bytes of the body, then call on_form_token.
    bool read_form_token = false;
    std::vector<StepNote> notes;
};

/// What the response head tells the step.
struct ResponseHead {
    unsigned status = 0;
    /// The headers under the prefix, (name, value) in order: the proxy
    /// removes them all from the response, whatever the step says.
    std::vector<std::pair<std::string_view, std::string_view>> control_headers;
    std::vector<std::string_view> set_cookies;  // the upstream's Set-Cookie values, in order
};

struct ResponsePlan {
    std::optional<LocalReply> reply;    // answer this instead (502 under strict_control)
    std::optional<SessionWrite> write;  // to hand to the store
    std::vector<std::size_t> dropped_set_cookies;  // indexes into ResponseHead::set_cookies
    std::vector<StepNote> notes;
};

struct ResponseDecision {
    std::optional<LocalReply> reply;       // answer this instead (503: the store failed)
    std::vector<std::string> set_cookies;  // add after the upstream's
    bool vary_cookie = false;    // the response must vary on Cookie
    bool private_cache = false;  // Cache-Control must keep shared caches out
    std::vector<StepNote> notes;
};

class SessionStep {
public:
    /// `keys` must outlive the step; `request_id` goes into every note.
    SessionStep(config::ConfigPtr config, const SecretKeys& keys, std::string request_id);

    RequestStart on_request_head(const RequestHead& head);
    /// `loaded`: the store's answer to RequestStart::load, nullopt when
    /// nothing was loaded.
    RequestDecision on_loaded(std::optional<LoadResult> loaded);
    /// After RequestDecision::read_form_token: the field's value, nullopt
    /// when it was not within the bound. Only `reply` and `notes` are used.
    RequestDecision on_form_token(std::optional<std::string_view> token);
    /// `now`: Unix seconds.
    ResponsePlan on_response_head(const ResponseHead& head, std::int64_t now);
    /// `written`: the store's answer to ResponsePlan::write, nullopt when no
    /// write was made.
    ResponseDecision on_written(std::optional<WriteResult> written);

    /// As the upstream was told, then as the response leaves it.
    SessionState state() const { return session_.state; }
    /// X-Session-State as the upstream got it; nullopt when the route has
    /// no sessions or the request never reached the upstream.
    std::optional<SessionState> state_told() const { return state_told_; }
    /// The session's handle (X-Session-Id), empty when there is none.
    std::string_view handle() const;
    SessionEvent event() const { return event_; }

    /// The config the step was made with (fixed for the exchange).
    const config::Config& config() const { return *config_; }

private:
    StepNote note(StepNote::Kind kind, boost::json::object details = {}) const;
    LocalReply store_unavailable_reply() const;
    bool cookie_secure() const;
    /// The 403 of a CSRF refusal, its note added to `decision`.
    void refuse_csrf(RequestDecision& decision, StepNote::Kind kind, boost::json::object details = {}) const;
    /// Checks a token against the session's secret (token mode, unsafe).
    void check_csrf_token(RequestDecision& decision, std::string_view token) const;
    /// Adds the CSRF secret a saved session must hold to `write`, or a
    /// write of its own for a session that lacks one (token mode).
    void plan_csrf_secret(std::optional<SessionWrite>& write, const ControlHeaders& control, std::int64_t now);
    bool is_login(const ControlHeaders& control) const;
    const std::string* csrf_secret() const;  // the loaded session's, if it holds one

    config::ConfigPtr config_;
    const SecretKeys& keys_;
    std::string request_id_;
    RequestPolicy policy_;
    CookieLookup cookie_;
    bool secure_transport_ = false;
    RequestSession session_;
    SessionAction action_ = SessionAction::None;  // of the write made
    SessionEvent event_ = SessionEvent::None;
    std::optional<SessionState> state_told_;
    // CSRF (token mode): the origin check's refusal, what the request
    // offered as its token, and the secret a session made by this exchange
    // gets (its masked form went upstream already).
    std::optional<RequestDecision> csrf_refusal_;
    bool unsafe_ = false;
    std::optional<std::string> csrf_token_;
    bool form_body_ = false;
    std::string pending_secret_;
};

/// Seconds a client is told to wait (Retry-After) when the store failed.
inline constexpr int store_retry_after_seconds = 1;

}  // namespace sessiongate::session
