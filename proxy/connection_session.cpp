// The session moments of ClientConnection: the store lookup when a request
// head is in and the store write when the response head is in, with the
// header preparation around them. The relay itself is in connection_relay.cpp.
#include "proxy/connection.hpp"

#include "proxy/header_rewrite.hpp"
#include "proxy/log.hpp"
#include "proxy/session_headers.hpp"
#include "session/session_id.hpp"

#include <boost/asio/post.hpp>

#include <ctime>

namespace sessiongate::proxy {

namespace net = boost::asio;

namespace {
std::int64_t unix_now() { return static_cast<std::int64_t>(std::time(nullptr)); }
}  // namespace

// -- load_session --------------------------------------------------------------

void ClientConnection::do_load_session() {
    if (!policy_.sessions || cookie_.kind != session::CookieLookup::Kind::WellFormed) {
        session_ = policy_.sessions ? session::resolve_request_session(cookie_, nullptr) : session::RequestSession{};
        return on_request_ready();
    }
    worker_.shared.store.load(cookie_.value, unix_now(), on_own_thread(&ClientConnection::on_session_loaded));
}

template <class Result>
std::function<void(Result)> ClientConnection::on_own_thread(void (ClientConnection::*handler)(Result)) {
    // Store callbacks run on the store's thread. Our reference is handed over
    // to the posted handler, so this object is never released (and so never
    // destroyed) on the store's thread.
    return [self = shared_from_this(), handler](Result result) mutable {
        auto& ioc = self->worker_.ioc;
        net::post(ioc, [self = std::move(self), handler, result = std::move(result)]() mutable {
            ((*self).*handler)(std::move(result));
        });
    };
}

void ClientConnection::on_session_loaded(session::LoadResult loaded) {
    session_ = session::resolve_request_session(cookie_, &loaded);
    if (loaded.status == session::LoadStatus::Error) {
        Metrics::add(worker_.shared.metrics.store_errors);
        log_error("store_error", {{"during", "load"}, {"error", loaded.error}});
    }
    on_request_ready();
}

void ClientConnection::on_request_ready() {
    prepare_request_head();
    // Body bytes that came with the head are parsed before anything is sent
    // upstream, so a bad chunk or an oversized body forwards nothing.
    beast::error_code ec;
    if (!take_buffered_request_body(ec)) {
        if (ec == http::error::body_limit) return respond_locally(413, "request body too large");
        return respond_locally(400, "malformed request body");
    }
    do_connect();
}

void ClientConnection::prepare_request_head() {
    const auto& config = *settings_->config;
    auto& req = request_->get();
    remove_hop_by_hop(req, websocket_);
    if (expects_continue_) req.erase(http::field::expect);  // answered by us
    set_forwarded_headers(req, {peer_ip_, peer_trusted_, "http"});
    if (!config.preserve_host)
        req.set(http::field::host, config.upstream.host + ":" + std::to_string(config.upstream.port));
    // Framing is rebuilt from what we parsed: the upstream sees our chunking
    // and one plain Content-Length, never the client's spelling of it.
    if (request_->chunked()) req.chunked(true);
    else if (auto length = request_->content_length()) req.content_length(*length);
    // Sent on as HTTP/1.1, which requires a Host (an HTTP/1.0 client may omit it).
    if (req.find(http::field::host) == req.end())
        req.set(http::field::host, config.upstream.host + ":" + std::to_string(config.upstream.port));
    req.version(11);
    if (policy_.sessions) add_session_headers(req, config, session_);
    // A chunked body may end in trailer fields, which Beast adds to these
    // fields (next to same-named ones): the head as forwarded is kept apart.
    if (request_->chunked()) forwarded_head_.emplace(static_cast<const http::fields&>(req));
    else forwarded_head_.reset();
}

// -- save_session ------------------------------------------------------------------

void ClientConnection::do_save_session() {
    const auto& config = *settings_->config;
    auto& res = response_->get();
    // Control headers never reach the client, whatever the route.
    control_ = take_control_headers(res, config.header_prefix);
    if (!control_.errors.empty()) {
        Metrics::add(worker_.shared.metrics.control_header_errors);
        boost::json::array errors;
        for (const auto& error : control_.errors) errors.emplace_back(error);
        log_error("control_header_error", {{"target", target_}, {"errors", std::move(errors)},
                                           {"strict", config.strict_control}});
        if (config.strict_control) return upstream_failed(http::error::bad_value, "control headers");
        control_ = {};  // ignored as a whole: the session is never half-changed
    }
    if (!policy_.sessions) return on_session_saved({});

    auto now = unix_now();
    auto change = session::plan_session_write(policy_, session_, control_, status_, now,
                                              config.session_max_bytes);
    if (!change) return on_session_saved({});
    change->fresh_id = session::new_session_id();
    change->fresh_handle = worker_.shared.keys.handle_for(change->fresh_id);
    worker_.shared.store.write(std::move(*change), on_own_thread(&ClientConnection::on_session_saved));
}

void ClientConnection::on_session_saved(session::WriteResult result) {
    using session::WriteOutcome;
    auto& metrics = worker_.shared.metrics;
    switch (result.outcome) {
    case WriteOutcome::Saved: Metrics::add(metrics.sessions_saved); break;
    case WriteOutcome::Deleted: Metrics::add(metrics.sessions_deleted); break;
    case WriteOutcome::TooLarge:
        Metrics::add(metrics.sessions_too_large);
        log_error("session_too_large", {{"target", target_},
                                        {"limit", settings_->config->session_max_bytes}});
        break;
    case WriteOutcome::Gone: log_note_ = "session deleted meanwhile: not saved"; break;
    case WriteOutcome::Full:
    case WriteOutcome::Error:
        Metrics::add(metrics.store_errors);
        log_error("store_error", {{"during", "write"}, {"error", result.error}});
        return respond_locally(503, "session store unavailable");
    case WriteOutcome::Unchanged: break;
    }
    if (result.outcome == WriteOutcome::Saved) {
        // What the log names from now on: the session this response leaves.
        session_.state = session::SessionState::Active;
        session_.record.handle = result.record.handle;
    }
    std::vector<std::string> cookies;
    if (policy_.sessions) cookies = session::response_cookies(policy_, session_, result, unix_now());
    prepare_response_head(cookies);
    if (status_ == 101) return start_tunnel();
    do_write_response();
}

void ClientConnection::prepare_response_head(const std::vector<std::string>& set_cookies) {
    auto& res = response_->get();
    auto& req = request_->get();
    bool upgrade = status_ == 101;
    remove_hop_by_hop(res, upgrade);
    bool bodiless = head_request_ || status_ / 100 == 1 || status_ == 204 || status_ == 304;
    if (response_->chunked()) {
        // An HTTP/1.0 client cannot read chunks: the body goes raw, then we close.
        if (req.version() >= 11) res.chunked(true);
        else keep_alive_ = false;
    } else if (!bodiless && !response_->content_length() && !upgrade) {
        // Delimited by the upstream closing: re-framed as chunked for HTTP/1.1
        // clients so the client connection can stay open.
        if (req.version() >= 11) res.chunked(true);
        else keep_alive_ = false;
    }
    if (policy_.sessions) add_session_response_headers(res, set_cookies);
    if (worker_.shared.draining.load(std::memory_order_relaxed)) keep_alive_ = false;
    res.version(11);
    if (!upgrade) {
        res.keep_alive(keep_alive_);
        if (keep_alive_ && req.version() < 11) res.set(http::field::connection, "keep-alive");
    }
}

}  // namespace sessiongate::proxy
