// The session moments of a client connection: every call into session/ made
// while relaying a request is here. See connection_session.hpp.
#include "proxy/connection_session.hpp"

#include "proxy/connection.hpp"
#include "proxy/log.hpp"
#include "proxy/session_headers.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>

#include <ctime>

namespace sessiongate::proxy {

namespace net = boost::asio;

namespace {
std::int64_t unix_now() { return static_cast<std::int64_t>(std::time(nullptr)); }
}  // namespace

// -- store calls -------------------------------------------------------------------

template <class Result>
std::function<void(Result)> ConnectionSession::store_call(Pending what,
                                                          void (ConnectionSession::*handler)(std::optional<Result>)) {
    pending_ = what;
    call_epoch_ = c_.epoch_;
    deadline_ = deadline_after_now();
    hold_ = c_.shared_from_this();
    // Store callbacks may run on the store's thread, or inline. Only a weak
    // reference goes with them, so a store that never answers keeps no
    // connection alive past the deadline; it is used (and released) on this
    // connection's thread only, and an answer for a call that is over is
    // dropped.
    return [weak = c_.weak_from_this(), &ioc = c_.worker_.ioc, call = call_, handler](Result result) mutable {
        net::dispatch(ioc, [weak = std::move(weak), call, handler, result = std::move(result)]() mutable {
            auto self = weak.lock();
            if (!self) return;
            auto& session = self->session_;
            if (session.call_ != call || session.pending_ == Pending::Nothing) return;
            session.end_call();
            if (self->epoch_ != session.call_epoch_) return;  // the exchange ended meanwhile
            (session.*handler)(std::move(result));
        });
    };
}

void ConnectionSession::end_call() {
    pending_ = Pending::Nothing;
    ++call_;  // an answer still to come is dropped
    if (hold_) net::post(c_.worker_.ioc, [hold = std::move(hold_)] {});
}

session::Deadline ConnectionSession::deadline_after_now() const {
    return session::Deadline::clock::now() + c_.config().timeouts.store;
}

void ConnectionSession::on_tick(std::chrono::steady_clock::time_point now) {
    if (pending_ == Pending::Nothing) return;
    const auto what = pending_;
    if (c_.epoch_ != call_epoch_) return end_call();  // the exchange ended some other way
    if (now < deadline_) return;
    end_call();
    if (what == Pending::Load) on_loaded(session::LoadResult::timed_out());
    else on_saved(session::WriteResult::timed_out());
}

void ConnectionSession::log_notes(const std::vector<session::StepNote>& notes) {
    auto& metrics = c_.worker_.shared.metrics;
    for (const auto& note : notes) {
        switch (note.kind) {
        case session::StepNote::Kind::ControlHeaderError: metrics.control_header_error(); break;
        case session::StepNote::Kind::StoreError: metrics.store_error(); break;
        case session::StepNote::Kind::SessionTooLarge: metrics.session_too_large(); break;
        case session::StepNote::Kind::CsrfCrossSite: metrics.csrf_refused(CsrfRefusal::CrossSite); break;
        case session::StepNote::Kind::CsrfTokenMissing: metrics.csrf_refused(CsrfRefusal::TokenMissing); break;
        case session::StepNote::Kind::CsrfTokenIncorrect: metrics.csrf_refused(CsrfRefusal::TokenIncorrect); break;
        case session::StepNote::Kind::UnknownControlHeader:
        case session::StepNote::Kind::SetCookieDropped:
        case session::StepNote::Kind::SessionGone: break;
        }
        auto fields = c_.log_fields();
        for (const auto& field : note.fields) fields[field.key()] = field.value();
        log_at(note.level(), note.event(), std::move(fields));
    }
}

void ConnectionSession::answer(const session::LocalReply& reply) {
    // A request refused before its body was read cannot leave the connection
    // usable; one read whole can (as nginx).
    c_.respond_locally(reply.status, reply.reason, !c_.ex_->request_read_whole(), reply.headers, reply.body);
}

// -- request head and load -------------------------------------------------------------

void ConnectionSession::on_request_head(http::fields& request, std::string_view path) {
    auto& ex = *c_.ex_;
    const auto& config = c_.config();
    strip_reserved_request_headers(request, config);
    ex.session.emplace(c_.settings_->config, c_.worker_.shared.keys, ex.request_id);
    ex.session_start =
        ex.session->on_request_head(session_request_head(request, ex.method, path, c_.client_.is_tls(), c_.peer_trusted_));
    replace_cookie_headers(request, ex.session_start.cookie_header);
}

void ConnectionSession::load() {
    auto& ex = *c_.ex_;
    if (!ex.session_start.load) return on_loaded(std::nullopt);
    store_started_ = Clock::now();
    c_.worker_.shared.store.load(std::move(*ex.session_start.load), unix_now(), deadline_after_now(),
                                 store_call(Pending::Load, &ConnectionSession::on_loaded));
}

void ConnectionSession::on_loaded(std::optional<session::LoadResult> loaded) {
    auto& ex = *c_.ex_;
    if (loaded) c_.worker_.shared.metrics.store_operation(StoreOperation::Load, Clock::now() - store_started_);
    auto decision = ex.session->on_loaded(std::move(loaded));
    log_notes(decision.notes);
    if (decision.reply) return answer(*decision.reply);
    ex.session_request_headers = std::move(decision.upstream_headers);
    ex.read_form_token = decision.read_form_token;
    c_.request_relay_.start();
}

bool ConnectionSession::on_form_token(std::optional<std::string_view> token) {
    auto decision = c_.ex_->session->on_form_token(token);
    log_notes(decision.notes);
    if (!decision.reply) return true;
    answer(*decision.reply);
    return false;
}

void ConnectionSession::add_request_headers(http::fields& request) {
    add_headers(request, c_.ex_->session_request_headers);
}

// -- response head and save --------------------------------------------------------------

void ConnectionSession::save() {
    auto& ex = *c_.ex_;
    auto& res = ex.response->get();
    // Control headers never reach the client, whatever the route.
    const auto control = take_control_headers(res, c_.config().header_prefix);
    auto plan = ex.session->on_response_head(session_response_head(res, ex.status, control), unix_now());
    log_notes(plan.notes);
    if (plan.reply) return answer(*plan.reply);
    drop_set_cookies(res, plan.dropped_set_cookies);
    if (!plan.write) return on_saved(std::nullopt);
    store_started_ = Clock::now();
    c_.worker_.shared.store.write(std::move(*plan.write), deadline_after_now(),
                                  store_call(Pending::Write, &ConnectionSession::on_saved));
}

void ConnectionSession::on_saved(std::optional<session::WriteResult> written) {
    auto& ex = *c_.ex_;
    auto& metrics = c_.worker_.shared.metrics;
    if (written) metrics.store_operation(StoreOperation::Write, Clock::now() - store_started_);
    ex.session_response = ex.session->on_written(std::move(written));
    metrics.session_event(ex.session->event());
    log_notes(ex.session_response.notes);
    if (ex.session_response.reply) return answer(*ex.session_response.reply);
    c_.response_relay_.send_head();
}

void ConnectionSession::add_response_headers(http::fields& response) {
    add_session_response_headers(response, c_.ex_->session_response);
}

}  // namespace sessiongate::proxy
