#include "session/session_step.hpp"

#include "base/http_text.hpp"
#include "session/csrf_origin.hpp"
#include "session/csrf_token.hpp"
#include "session/session_id.hpp"

#include <boost/json/parse.hpp>

#include <algorithm>

namespace sessiongate::session {

using namespace text;

std::string_view StepNote::event() const {
    switch (kind) {
    case Kind::ControlHeaderError: return "control_header_error";
    case Kind::UnknownControlHeader: return "control_header_unknown";
    case Kind::SetCookieDropped: return "set_cookie_dropped";
    case Kind::StoreError: return "store_error";
    case Kind::SessionTooLarge: return "session_too_large";
    case Kind::SessionGone: return "session_gone";
    case Kind::CsrfCrossSite:
    case Kind::CsrfTokenMissing:
    case Kind::CsrfTokenIncorrect: return "csrf_refused";
    }
    return "session_note";
}

config::LogLevel StepNote::level() const {
    switch (kind) {
    case Kind::UnknownControlHeader:
    case Kind::SetCookieDropped: return config::LogLevel::Warn;
    case Kind::SessionGone: return config::LogLevel::Info;
    // Forged requests are what the check is for, but a refused own form
    // is what a developer must see: warn, not error.
    case Kind::CsrfCrossSite:
    case Kind::CsrfTokenMissing:
    case Kind::CsrfTokenIncorrect: return config::LogLevel::Warn;
    case Kind::ControlHeaderError:
    case Kind::StoreError:
    case Kind::SessionTooLarge: break;
    }
    return config::LogLevel::Error;
}

SessionStep::SessionStep(config::ConfigPtr config, const SecretKeys& keys, std::string request_id)
    : config_(std::move(config)), keys_(keys), request_id_(std::move(request_id)) {}

std::string_view SessionStep::handle() const {
    return session_.state == SessionState::Active ? std::string_view(session_.record.handle) : std::string_view();
}

StepNote SessionStep::note(StepNote::Kind kind, boost::json::object details) const {
    StepNote made{kind, {}};
    made.fields.reserve(details.size() + 1);
    made.fields["request_id"] = request_id_;
    for (auto& field : details) made.fields[field.key()] = std::move(field.value());
    return made;
}

LocalReply SessionStep::store_unavailable_reply() const {
    return {503, "session store unavailable", {{"Retry-After", std::to_string(store_retry_after_seconds)}}};
}

bool SessionStep::cookie_secure() const {
    switch (policy_.cookie.secure) {
    case config::CookieSecure::Always: return true;
    case config::CookieSecure::Never: return false;
    case config::CookieSecure::Auto: break;
    }
    return secure_transport_;
}

// -- CSRF ---------------------------------------------------------------------------

namespace {

std::string_view csrf_reason(StepNote::Kind kind) {
    switch (kind) {
    case StepNote::Kind::CsrfCrossSite: return "CSRF: cross-site request";
    case StepNote::Kind::CsrfTokenMissing: return "CSRF: token missing";
    default: break;
    }
    return "CSRF: token incorrect";
}

std::string_view first_value(std::string_view list) {
    return trim_whitespace(list.substr(0, list.find(',')));
}

}  // namespace

void SessionStep::refuse_csrf(RequestDecision& decision, StepNote::Kind kind, boost::json::object details) const {
    const auto reason = csrf_reason(kind);
    details["reason"] = reason;
    decision.notes.push_back(note(kind, std::move(details)));
    decision.reply = LocalReply{403, std::string(reason), {}, std::string(reason) + "\n"};
}

const std::string* SessionStep::csrf_secret() const {
    if (session_.state != SessionState::Active) return nullptr;
    const auto found = session_.record.internal.find(std::string(csrf_secret_field));
    return found != session_.record.internal.end() && is_csrf_secret(found->second) ? &found->second : nullptr;
}

void SessionStep::check_csrf_token(RequestDecision& decision, std::string_view token) const {
    if (token.empty()) return refuse_csrf(decision, StepNote::Kind::CsrfTokenMissing);
    const auto* secret = csrf_secret();
    // A session from before token mode holds no secret yet (its next
    // response gives it one): no token can be right.
    if (!secret) return refuse_csrf(decision, StepNote::Kind::CsrfTokenIncorrect, {{"detail", "session has no secret yet"}});
    if (!csrf_token_matches(token, *secret)) refuse_csrf(decision, StepNote::Kind::CsrfTokenIncorrect);
}

bool SessionStep::is_login(const ControlHeaders& control) const {
    // As Django's login(): a new member in the session. Set by a patch to a
    // value other than the one the request came with.
    const auto& key = config_->csrf.login_key;
    const boost::json::value* before = nullptr;
    boost::json::value loaded;
    boost::system::error_code ec;
    if (session_.state == SessionState::Active) {
        loaded = boost::json::parse(session_.record.data_json, ec);
        if (!ec && loaded.is_object()) before = loaded.as_object().if_contains(key);
    }
    for (const auto& patch : control.patches) {
        const auto* set = patch.if_contains(key);
        if (set && !set->is_null() && (!before || *before != *set)) return true;
    }
    return false;
}

void SessionStep::plan_csrf_secret(std::optional<SessionWrite>& write, const ControlHeaders& control,
                                   std::int64_t now) {
    if (pending_secret_.empty()) pending_secret_ = new_csrf_secret();
    const bool has_secret = csrf_secret() != nullptr;
    if (!write) {
        if (session_.state != SessionState::Active || has_secret) return;
        // A session from before token mode: its secret is the one whose
        // masked form the upstream just got.
        write.emplace();
        write->current = session_.cookie_value;
        write->now = now;
        write->policy = policy_.expiry;
        write->max_bytes = config_->session_max_bytes;
        write->internal[std::string(csrf_secret_field)] = pending_secret_;
        return;
    }
    // Made with the session; flush and clear drop it with the data, so a
    // session they start afresh gets one; kept by cycle, except at login
    // (Django's rotate_token).
    const auto action = write->action;
    const bool fresh = write->current.empty() || !has_secret || action == SessionAction::Flush ||
                       action == SessionAction::Clear;
    if (fresh) write->internal[std::string(csrf_secret_field)] = pending_secret_;
    else if (action == SessionAction::Cycle && is_login(control))
        write->internal[std::string(csrf_secret_field)] = new_csrf_secret();
}

// -- (a) request head -----------------------------------------------------------

RequestStart SessionStep::on_request_head(const RequestHead& head) {
    const auto& config = *config_;
    policy_ = policy_for(config, head.path);
    // As Django's SECURE_PROXY_SSL_HEADER: the leftmost value counts.
    const auto proto = trim_whitespace(head.trusted_forwarded_proto.substr(0, head.trusted_forwarded_proto.find(',')));
    secure_transport_ = head.tls || equals_ignoring_case(proto, "https");
    cookie_ = find_session_cookie(head.cookie_headers, config.cookie.name);

    unsafe_ = policy_.csrf != config::CsrfMode::Off && !is_safe_method(head.method);
    if (unsafe_) {
        // The origin as the client addressed it, through trusted proxies.
        const auto forwarded_host = first_value(head.trusted_forwarded_host);
        const OriginFacts facts{head.method, head.origin, head.sec_fetch_site, secure_transport_ ? "https" : "http",
                                forwarded_host.empty() ? head.host : forwarded_host};
        if (!passes_origin_check(facts, config.csrf.trusted_origins)) {
            boost::json::object details{{"method", head.method}};
            details["origin"] = head.origin ? boost::json::value(*head.origin) : nullptr;
            details["sec_fetch_site"] = head.sec_fetch_site ? boost::json::value(*head.sec_fetch_site) : nullptr;
            refuse_csrf(csrf_refusal_.emplace(), StepNote::Kind::CsrfCrossSite, std::move(details));
        }
        if (head.csrf_token) csrf_token_ = std::string(trim_whitespace(*head.csrf_token));
        form_body_ = head.form_body;
    }

    RequestStart start;
    if (policy_.sessions && !csrf_refusal_ && cookie_.kind == CookieLookup::Kind::Present) start.load = cookie_.value;
    // Hidden from the upstream on every route: it never sees or logs the id.
    if (config.strip_session_cookie && !head.cookie_headers.empty()) {
        // Rebuilt as one header from what is left (RFC 9113 8.2.3 joins with "; ").
        std::string rest;
        for (const auto header : head.cookie_headers) {
            const auto kept = remove_cookie(header, config.cookie.name);
            if (kept.empty()) continue;
            if (!rest.empty()) rest += "; ";
            rest += kept;
        }
        start.cookie_header = std::move(rest);
    }
    return start;
}

// -- (b) the load's result ---------------------------------------------------------

RequestDecision SessionStep::on_loaded(std::optional<LoadResult> loaded) {
    if (csrf_refusal_) return std::move(*csrf_refusal_);
    RequestDecision decision;
    if (!policy_.sessions) return decision;
    session_ = {};
    switch (cookie_.kind) {
    case CookieLookup::Kind::Absent: session_.state = SessionState::None; break;
    case CookieLookup::Kind::Malformed: session_.state = SessionState::Invalid; break;
    case CookieLookup::Kind::Present:
        if (!loaded) {
            session_.state = SessionState::Invalid;
            break;
        }
        switch (loaded->status) {
        case LoadStatus::Found:
            session_.state = SessionState::Active;
            session_.cookie_value = cookie_.value;
            session_.record = std::move(loaded->record);
            break;
        case LoadStatus::Expired: session_.state = SessionState::Expired; break;
        case LoadStatus::NotFound: session_.state = SessionState::Invalid; break;
        case LoadStatus::Error:
            // The session cannot be read, and its id must not be adopted
            // either: refused, or (anonymous) forwarded with nothing saved.
            session_.state = SessionState::Unavailable;
            decision.notes.push_back(note(StepNote::Kind::StoreError, {{"during", "load"}, {"error", loaded->error}}));
            if (config_->store.unavailable == config::StoreUnavailable::Reject) {
                decision.reply = store_unavailable_reply();
                return decision;
            }
            break;
        }
        break;
    }
    decision.upstream_headers = upstream_session_headers(*config_, session_.state, &session_.record);
    if (policy_.csrf == config::CsrfMode::Token && session_.state != SessionState::Unavailable) {
        // Without a session (or a secret) yet, the token is of the secret a
        // session made by this response will get, so a page that starts the
        // session can carry a form that works.
        const auto* secret = csrf_secret();
        if (!secret) pending_secret_ = new_csrf_secret();
        decision.upstream_headers.emplace_back(config_->header_prefix + "-Csrf",
                                               mask_csrf_secret(secret ? *secret : pending_secret_));
        // A request without a session needs no token: there is nothing of
        // the visitor's to act on (the origin check still ran).
        if (unsafe_ && session_.state == SessionState::Active) {
            if (csrf_token_) check_csrf_token(decision, *csrf_token_);
            else if (form_body_) decision.read_form_token = true;
            else refuse_csrf(decision, StepNote::Kind::CsrfTokenMissing);
            if (decision.reply) return decision;
        }
    }
    state_told_ = session_.state;
    return decision;
}

RequestDecision SessionStep::on_form_token(std::optional<std::string_view> token) {
    RequestDecision decision;
    if (!token) refuse_csrf(decision, StepNote::Kind::CsrfTokenMissing,
                            {{"detail", "no csrfmiddlewaretoken within csrf.max_form_bytes of the body"}});
    else check_csrf_token(decision, *token);
    if (decision.reply) state_told_.reset();  // the upstream never gets this request
    return decision;
}

// -- (c) response head ---------------------------------------------------------------

ResponsePlan SessionStep::on_response_head(const ResponseHead& head, std::int64_t now) {
    const auto& config = *config_;
    ResponsePlan plan;
    // The proxy owns its cookie's name, on every route: a Set-Cookie from
    // the upstream for it would replace or clear the session's cookie.
    for (std::size_t i = 0; i < head.set_cookies.size(); ++i) {
        if (set_cookie_name(head.set_cookies[i]) != config.cookie.name) continue;
        plan.dropped_set_cookies.push_back(i);
        plan.notes.push_back(note(StepNote::Kind::SetCookieDropped, {{"cookie", config.cookie.name}}));
    }
    auto control = parse_control_headers(config.header_prefix, head.control_headers);
    for (auto& name : control.unknown)
        plan.notes.push_back(note(StepNote::Kind::UnknownControlHeader, {{"header", std::move(name)}}));
    if (!control.errors.empty()) {
        for (auto& error : control.errors)
            plan.notes.push_back(note(StepNote::Kind::ControlHeaderError, {{"header", std::move(error.header)},
                                                                           {"error", std::move(error.error)},
                                                                           {"strict", config.strict_control}}));
        if (config.strict_control) {
            plan.reply = LocalReply{502, "malformed control headers", {}};
            if (policy_.sessions) event_ = SessionEvent::Refused;
            return plan;
        }
        control = {};  // ignored as a whole: the session is never half-changed
    }
    // A rolling touch still happens when the set was void.
    auto write = plan_session_write(policy_, session_, control, head.status, now, config.session_max_bytes);
    if (policy_.sessions && policy_.csrf == config::CsrfMode::Token && head.status < 500 &&
        session_.state != SessionState::Unavailable)
        plan_csrf_secret(write, control, now);
    if (write) {
        write->fresh_id = new_session_id();
        write->fresh_handle = keys_.handle_for(write->fresh_id);
        action_ = write->action;
        plan.write = std::move(write);
    }
    return plan;
}

// -- (d) the write's result ------------------------------------------------------------

ResponseDecision SessionStep::on_written(std::optional<WriteResult> written) {
    ResponseDecision decision;
    if (!policy_.sessions) return decision;
    decision.vary_cookie = true;
    if (!written) return decision;
    const auto& cookie = policy_.cookie;
    switch (written->outcome) {
    case WriteOutcome::Saved: {
        if (action_ == SessionAction::Cycle) event_ = SessionEvent::Cycled;
        else if (action_ == SessionAction::Flush) event_ = SessionEvent::Flushed;
        // Same handle, same id: a cookie store's value changes with every save.
        else if (session_.state == SessionState::Active && written->record.handle == session_.record.handle)
            event_ = SessionEvent::Saved;
        else event_ = SessionEvent::Created;
        if (!written->cookie_value.empty()) {
            const auto& record = written->record;
            // As Django's get_expire_at_browser_close(): an explicit expiry
            // decides, else the configured expire_at_browser_close.
            const bool browser_session =
                record.expiry_seconds ? *record.expiry_seconds == 0 : cookie.expire_at_browser_close;
            // Counted from the save, as the store counts it: Max-Age is the
            // session's age and Expires its expiry, however long the store took.
            std::optional<std::int64_t> max_age;
            if (!browser_session) max_age = std::max<std::int64_t>(0, record.expires - record.modified);
            decision.set_cookies.push_back(
                format_session_cookie(cookie, written->cookie_value, max_age, record.modified, cookie_secure()));
        }
        // What the log names from now on: the session this response leaves.
        session_.state = SessionState::Active;
        session_.cookie_value = std::move(written->cookie_value);
        session_.record = std::move(written->record);
        break;
    }
    case WriteOutcome::Deleted:
        event_ = action_ == SessionAction::Flush ? SessionEvent::Flushed : SessionEvent::Deleted;
        // Only a cookie that named a live session is expired; stale cookies
        // are left alone, as Django leaves them.
        if (session_.state == SessionState::Active)
            decision.set_cookies.push_back(format_deletion_cookie(cookie, cookie_secure()));
        break;
    case WriteOutcome::TooLarge: {
        event_ = SessionEvent::Refused;
        // The store may have its own limit (the cookie store's 4096-byte cookie).
        boost::json::object details{{"limit", config_->session_max_bytes}};
        if (!written->error.empty()) details["detail"] = written->error;
        decision.notes.push_back(note(StepNote::Kind::SessionTooLarge, std::move(details)));
        break;
    }
    case WriteOutcome::Gone:
        event_ = SessionEvent::Refused;
        decision.notes.push_back(note(StepNote::Kind::SessionGone, {{"detail", "deleted meanwhile: not saved"}}));
        break;
    case WriteOutcome::Full:
    case WriteOutcome::Error:
        event_ = SessionEvent::Refused;
        decision.notes.push_back(note(StepNote::Kind::StoreError, {{"during", "write"}, {"error", written->error}}));
        if (config_->store.unavailable == config::StoreUnavailable::Reject) decision.reply = store_unavailable_reply();
        break;
    case WriteOutcome::Unchanged: break;
    }
    decision.private_cache = !decision.set_cookies.empty();
    return decision;
}

}  // namespace sessiongate::session
