// The session moments of a client connection: every call into session/ made
// while relaying a request is here. See connection_session.hpp.
#include "proxy/connection_session.hpp"

#include "proxy/connection.hpp"
#include "proxy/log.hpp"
#include "proxy/session_headers.hpp"
#include "session/session_id.hpp"

#include <boost/asio/dispatch.hpp>

#include <ctime>

namespace sessiongate::proxy {

namespace net = boost::asio;

namespace {
std::int64_t unix_now() { return static_cast<std::int64_t>(std::time(nullptr)); }
}  // namespace

template <class Result, class Then>
auto ConnectionSession::on_own_thread(Then then) {
    // Store callbacks may run on the store's thread, or inline. Inline (on our
    // thread) goes straight on; otherwise our reference is handed over to the
    // posted handler, so the connection is never released (and so never
    // destroyed) on the store's thread.
    return [self = c_.shared_from_this(), epoch = c_.epoch_, then](Result result) mutable {
        auto& ioc = self->worker_.ioc;
        net::dispatch(ioc, [self = std::move(self), epoch, then, result = std::move(result)]() mutable {
            if (epoch == self->epoch_) then(*self, std::move(result));
        });
    };
}

void ConnectionSession::on_request_head(http::fields& request, std::string_view path) {
    auto& ex = *c_.ex_;
    const auto& config = c_.config();
    ex.policy = session::policy_for(config, path);
    strip_reserved_request_headers(request, config);
    ex.cookie = take_session_cookie(request, config);
}

// -- load ----------------------------------------------------------------------

void ConnectionSession::load() {
    auto& ex = *c_.ex_;
    if (!ex.policy.sessions || ex.cookie.kind != session::CookieLookup::Kind::WellFormed) {
        if (ex.policy.sessions) ex.session = session::resolve_request_session(ex.cookie, nullptr);
        return c_.request_relay_.start();
    }
    auto then = [started = Clock::now()](ClientConnection& c, session::LoadResult loaded) {
        auto& ex = *c.ex_;
        c.worker_.shared.metrics.store_operation(StoreOperation::Load, Clock::now() - started);
        ex.session = session::resolve_request_session(ex.cookie, &loaded);
        if (loaded.status == session::LoadStatus::Error) {
            c.worker_.shared.metrics.store_error();
            log_error("store_error", c.log_fields({{"during", "load"}, {"error", loaded.error}}));
        }
        c.request_relay_.start();
    };
    c_.worker_.shared.store.load(ex.cookie.value, unix_now(),
                                 on_own_thread<session::LoadResult>(then));
}

void ConnectionSession::add_request_headers(http::fields& request) {
    auto& ex = *c_.ex_;
    if (!ex.policy.sessions) return;
    add_session_headers(request, c_.config(), ex.session);
    ex.state_sent = ex.session.state;
}

// -- save ------------------------------------------------------------------------

void ConnectionSession::save() {
    auto& ex = *c_.ex_;
    const auto& config = c_.config();
    auto& res = ex.response->get();
    // Control headers never reach the client, whatever the route.
    ex.control = take_control_headers(res, config.header_prefix);
    if (!ex.control.errors.empty()) {
        c_.worker_.shared.metrics.control_header_error();
        boost::json::array errors;
        for (const auto& error : ex.control.errors) errors.emplace_back(error);
        log_error("control_header_error",
                  c_.log_fields({{"errors", std::move(errors)}, {"strict", config.strict_control}}));
        if (config.strict_control) return c_.upstream_failed(http::error::bad_value, "control headers");
        ex.control = {};  // ignored as a whole: the session is never half-changed
    }
    auto saved = [started = Clock::now()](ClientConnection& c, session::WriteResult result) {
        c.worker_.shared.metrics.store_operation(StoreOperation::Write, Clock::now() - started);
        c.session_.on_saved(std::move(result));
    };
    if (!ex.policy.sessions) return on_saved({});
    auto change = session::plan_session_write(ex.policy, ex.session, ex.control, ex.status, unix_now(),
                                              config.session_max_bytes);
    if (!change) return on_saved({});
    change->fresh_id = session::new_session_id();
    change->fresh_handle = c_.worker_.shared.keys.handle_for(change->fresh_id);
    c_.worker_.shared.store.write(std::move(*change), on_own_thread<session::WriteResult>(saved));
}

void ConnectionSession::on_saved(session::WriteResult result) {
    using session::WriteOutcome;
    auto& ex = *c_.ex_;
    auto& metrics = c_.worker_.shared.metrics;
    bool flushed = ex.control.action == session::SessionAction::Flush;
    switch (result.outcome) {
    case WriteOutcome::Saved:
        ex.session_event = ex.control.action == session::SessionAction::Cycle ? SessionEvent::Cycled
                           : flushed                                          ? SessionEvent::Flushed
                           : ex.session.state == session::SessionState::Active ? SessionEvent::Saved
                                                                              : SessionEvent::Created;
        break;
    case WriteOutcome::Deleted: ex.session_event = flushed ? SessionEvent::Flushed : SessionEvent::Deleted; break;
    case WriteOutcome::TooLarge:
        ex.session_event = SessionEvent::Refused;
        metrics.session_too_large();
        log_error("session_too_large", c_.log_fields({{"limit", c_.config().session_max_bytes}}));
        break;
    case WriteOutcome::Gone:
        ex.session_event = SessionEvent::Refused;
        ex.log_note = "session deleted meanwhile: not saved";
        break;
    case WriteOutcome::Full:
    case WriteOutcome::Error:
        ex.session_event = SessionEvent::Refused;
        metrics.store_error();
        log_error("store_error", c_.log_fields({{"during", "write"}, {"error", result.error}}));
        return c_.respond_locally(503, "session store unavailable", !ex.request_read_whole());
    case WriteOutcome::Unchanged: break;
    }
    metrics.session_event(ex.session_event);
    if (result.outcome == WriteOutcome::Saved) {
        // What the log names from now on: the session this response leaves.
        ex.session.state = session::SessionState::Active;
        ex.session.record.handle = result.record.handle;
    }
    if (ex.policy.sessions) ex.set_cookies = session::response_cookies(ex.policy, ex.session, result, unix_now());
    c_.response_relay_.send_head();
}

void ConnectionSession::add_response_headers(http::fields& response) {
    auto& ex = *c_.ex_;
    if (ex.policy.sessions) add_session_response_headers(response, ex.set_cookies);
}

}  // namespace sessiongate::proxy
