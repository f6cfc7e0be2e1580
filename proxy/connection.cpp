// Client side of ClientConnection: reading and checking request heads,
// local answers, keep-alive and closing. The upstream side (relaying and the
// session moments) is in connection_relay.cpp.
#include "proxy/connection.hpp"

#include "proxy/header_rewrite.hpp"
#include "proxy/log.hpp"
#include "proxy/request_head.hpp"
#include "proxy/session_headers.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/write.hpp>

namespace sessiongate::proxy {

namespace net = boost::asio;

ClientConnection::ClientConnection(Worker& worker, net::ip::tcp::socket socket)
    : worker_(worker),
      settings_(worker.settings),
      client_(std::move(socket)),
      client_buffer_(settings_->config->limits.max_request_header_bytes + 2 * read_chunk),
      body_buffer_(new char[body_buffer_size]) {
    worker_.connections.insert(this);
    worker_.shared.metrics.connections_open.fetch_add(1, std::memory_order_relaxed);
    Metrics::add(worker_.shared.metrics.connections_accepted);
}

ClientConnection::~ClientConnection() {
    worker_.connections.erase(this);
    worker_.shared.metrics.connections_open.fetch_sub(1, std::memory_order_relaxed);
}

void ClientConnection::start() {
    beast::error_code ec;
    auto peer = client_.socket().remote_endpoint(ec);
    if (ec) return;  // already gone
    peer_address_ = peer.address();
    peer_ip_ = peer_address_.to_string();
    client_.socket().set_option(net::ip::tcp::no_delay(true), ec);
    head_started_ = Clock::now();
    do_read_head();
}

void ClientConnection::close_if_idle() {
    if (idle_) client_.cancel();
}

std::chrono::milliseconds ClientConnection::remaining_head_time() const {
    auto deadline = head_started_ + settings_->config->timeouts.request_header;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    return std::max(left, std::chrono::milliseconds(1));
}

// -- read_head ---------------------------------------------------------------

void ClientConnection::do_read_head() {
    // A pipelined request may already be complete in the buffer.
    auto data = std::string_view(static_cast<const char*>(client_buffer_.data().data()),
                                 client_buffer_.size());
    if (auto skip = leading_empty_lines(data)) {
        client_buffer_.consume(skip);
        data.remove_prefix(skip);
        scanned_ = 0;
    }
    const auto& limits = settings_->config->limits;
    if (auto end = find_head_end(data, scanned_)) {
        if (end->malformed) return respond_locally(400, "bare LF in request head");
        if (end->length > limits.max_request_header_bytes)
            return respond_locally(431, "request head too large");
        return on_head_complete(end->length);
    }
    scanned_ = data.size();
    if (data.size() >= limits.max_request_header_bytes)
        return respond_locally(431, "request head too large");

    idle_ = data.empty();
    if (idle_ && worker_.shared.draining.load(std::memory_order_relaxed)) return close();
    const auto& timeouts = settings_->config->timeouts;
    if (idle_ && !first_request_) client_.expires_after(timeouts.keepalive);
    else client_.expires_after(remaining_head_time());

    // The buffer's own bound matters too: a reload may have raised the limit.
    auto space = std::min({read_chunk, limits.max_request_header_bytes - data.size(),
                           client_buffer_.max_size() - data.size() - 1});
    // Read one byte past the limit so "too large" is seen, not waited for.
    client_.async_read_some(client_buffer_.prepare(space + 1),
                            beast::bind_front_handler(&ClientConnection::on_read_head,
                                                      shared_from_this()));
}

void ClientConnection::on_read_head(beast::error_code ec, std::size_t bytes) {
    bool was_idle = idle_;
    idle_ = false;
    if (ec == beast::error::timeout && !was_idle) {
        // The timeout closed the socket already: logged, not answered.
        status_ = 408;
        log_note_ = "request head not received in time";
        log_request();
    }
    if (ec) return close();  // closed, reset, idle timeout or draining
    client_buffer_.commit(bytes);
    if (was_idle) request_started_ = head_started_ = Clock::now();
    do_read_head();
}

void ClientConnection::on_head_complete(std::size_t head_length) {
    auto head = std::string_view(static_cast<const char*>(client_buffer_.data().data()), head_length);
    scanned_ = 0;
    request_started_ = Clock::now();
    // Nothing of the previous exchange on this connection carries over.
    request_writer_.reset();
    response_writer_.reset();
    response_.reset();
    local_response_.reset();
    session_ = {};
    cookie_ = {};
    control_ = {};
    status_ = 0;
    bytes_out_ = 0;
    log_note_.clear();
    method_.clear();
    target_.clear();
    request_piece_ready_ = response_head_sent_ = early_answer_sought_ = sent_continue_ = expects_continue_ = websocket_ = head_request_ =
        false;
    settings_ = worker_.settings;  // a reload applies from the next request on
    peer_trusted_ = settings_->trusted.contains(peer_address_);
    Metrics::add(worker_.shared.metrics.requests);
    const auto& config = *settings_->config;

    auto verdict = check_request_head(head);
    if (!verdict.ok()) return respond_locally(verdict.status, verdict.reason);

    request_.emplace();
    request_->header_limit(static_cast<std::uint32_t>(config.limits.max_request_header_bytes));
    request_->body_limit(config.limits.max_request_body_bytes);
    beast::error_code ec;
    request_->put(net::buffer(head.data(), head.size()), ec);
    client_buffer_.consume(head_length);
    if (ec == http::error::body_limit) return respond_locally(413, "request body too large");
    if (ec || !request_->is_header_done()) return respond_locally(400, "malformed request head");

    auto& req = request_->get();
    method_ = std::string(req.method_string());
    target_ = std::string(req.target());
    head_request_ = req.method() == http::verb::head;
    keep_alive_ = req.keep_alive();
    websocket_ = is_websocket_upgrade(req);
    if (req.method() == http::verb::connect) return respond_locally(405, "CONNECT not supported");
    if (target_.front() != '/' && !(target_ == "*" && req.method() == http::verb::options)) {
        // absolute-form (RFC 9112 3.2.2): sent on in origin-form, and the
        // target's authority replaces Host.
        std::string authority;
        auto origin = origin_form(target_, authority);
        if (origin.empty() || !is_valid_host(authority)) return respond_locally(400, "malformed request target");
        req.target(origin);
        req.set(http::field::host, authority);
        target_ = origin;
    }

    auto expect = req[http::field::expect];
    expects_continue_ = beast::iequals(expect, "100-continue");
    if (!expect.empty() && !expects_continue_) return respond_locally(417, "unsupported Expect");

    auto path = std::string_view(target_).substr(0, target_.find('?'));
    policy_ = session::policy_for(config, path);
    strip_reserved_request_headers(req, config);
    cookie_ = take_session_cookie(req, config);

    chunked_check_ = {};
    if (request_->chunked() && !check_chunked_framing(std::string_view(
                                   static_cast<const char*>(client_buffer_.data().data()),
                                   client_buffer_.size())))
        return respond_locally(400, "malformed chunked body");
    do_load_session();
}

bool ClientConnection::check_chunked_framing(std::string_view bytes) {
    if (!chunked_check_.done()) chunked_check_.feed(bytes);
    return !chunked_check_.failed();
}

std::string ClientConnection::origin_form(std::string_view target, std::string& authority) {
    auto scheme_end = target.find("://");
    if (scheme_end == std::string_view::npos) return {};
    auto scheme = target.substr(0, scheme_end);
    if (!beast::iequals(scheme, "http") && !beast::iequals(scheme, "https")) return {};
    auto rest = target.substr(scheme_end + 3);
    auto path_start = rest.find_first_of("/?");
    authority = std::string(rest.substr(0, path_start));
    if (authority.empty() || authority.find('@') != std::string::npos) return {};
    if (path_start == std::string_view::npos) return "/";
    std::string origin(rest.substr(path_start));
    if (origin.front() == '?') origin.insert(origin.begin(), '/');
    return origin;
}

// -- local answers and closing -------------------------------------------------

void ClientConnection::respond_locally(unsigned status, std::string_view reason, bool close_after) {
    upstream_.reset();  // an abandoned exchange: never reuse that upstream connection
    status_ = status;
    log_note_ = std::string(reason);
    if (status >= 400 && status < 500) Metrics::add(worker_.shared.metrics.rejected_requests);
    auto& res = local_response_.emplace(static_cast<http::status>(status), 11);
    res.set(http::field::content_type, "text/plain; charset=utf-8");
    res.set(http::field::cache_control, "no-store");
    res.body() = std::string(http::obsolete_reason(res.result())) + "\n";
    res.keep_alive(!close_after);
    res.prepare_payload();
    keep_alive_ = !close_after;
    client_.expires_after(settings_->config->timeouts.request_body);
    http::async_write(client_, res,
                      [self = shared_from_this()](beast::error_code ec, std::size_t bytes) {
                          self->bytes_out_ += bytes;
                          self->log_request();
                          if (ec || !self->keep_alive_) return self->close_lingering();
                          self->first_request_ = false;
                          self->do_read_head();
                      });
}

void ClientConnection::close() {
    beast::error_code ignored;
    client_.socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
    client_.close();
}

void ClientConnection::close_lingering() {
    // After a refusal the client may still be sending: stop sending, then
    // drain what arrives for a moment, so our answer is not lost to a TCP
    // reset (nginx's lingering close).
    beast::error_code ec;
    client_.socket().shutdown(net::ip::tcp::socket::shutdown_send, ec);
    if (ec) return client_.close();
    client_.expires_after(std::chrono::seconds(2));
    linger_budget_ = std::size_t(1) << 20;
    on_lingering_read({}, 0);
}

void ClientConnection::on_lingering_read(beast::error_code ec, std::size_t bytes) {
    if (ec || bytes >= linger_budget_) return client_.close();
    linger_budget_ -= bytes;
    client_buffer_.clear();
    client_.async_read_some(client_buffer_.prepare(std::min(read_chunk, client_buffer_.max_size())),
                            beast::bind_front_handler(&ClientConnection::on_lingering_read, shared_from_this()));
}

void ClientConnection::log_request() {
    auto& metrics = worker_.shared.metrics;
    if (status_ >= 100 && status_ < 600) Metrics::add(metrics.responses_by_class[status_ / 100]);
    if (!settings_->config->log.access || !log_enabled(config::LogLevel::Info)) return;
    auto elapsed = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - request_started_);
    boost::json::object line{
        {"method", method_},
        {"target", target_.size() > 512 ? target_.substr(0, 512) : target_},
        {"status", status_},
        {"peer", peer_ip_},
        {"duration_us", elapsed.count()},
        {"bytes_out", bytes_out_},
        {"session_state", session::to_string(session_.state)},
    };
    if (session_.state == session::SessionState::Active) line["session"] = session_.record.handle;
    if (!log_note_.empty()) line["note"] = log_note_;
    log_event("request", std::move(line));
}

}  // namespace sessiongate::proxy
