// Upstream side of ClientConnection: the upstream connection and the relay
// of heads and bodies through one fixed buffer (Beast's relay(): read head,
// transform, write head, stream body). The session moments are in
// connection_session.cpp.
#include "proxy/connection.hpp"

#include "proxy/header_rewrite.hpp"
#include "proxy/log.hpp"
#include "proxy/request_head.hpp"
#include "proxy/tunnel.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

namespace sessiongate::proxy {

namespace net = boost::asio;

namespace {

constexpr std::size_t body_buffer_size = ClientConnection::body_buffer_size;

// Points the parser's body at our buffer before a read...
template <class Parser>
void arm_body(Parser& parser, char* buffer) {
    auto& body = parser.get().body();
    body.data = buffer;
    body.size = body_buffer_size;
}

// ...and after it, describes what was read for the serializer.
template <class Parser>
void disarm_body(Parser& parser, char* buffer) {
    auto& body = parser.get().body();
    body.size = body_buffer_size - body.size;
    // An empty piece must be "no buffer", not a zero-length buffer: the
    // chunked serializer would write that as the last chunk.
    body.data = body.size > 0 ? buffer : nullptr;
    body.more = !parser.is_done();
}

template <class Parser>
void finish_body(Parser& parser) {
    auto& body = parser.get().body();
    body.data = nullptr;
    body.size = 0;
    body.more = false;
}

// need_buffer only says our fixed buffer is full or empty: not an error.
beast::error_code without_need_buffer(beast::error_code ec) {
    return ec == http::error::need_buffer ? beast::error_code{} : ec;
}

// RFC 9110 9.2.2: safe to send twice.
bool is_idempotent(http::verb method) {
    switch (method) {
    case http::verb::get: case http::verb::head: case http::verb::options:
    case http::verb::trace: case http::verb::put: case http::verb::delete_:
        return true;
    default:
        return false;
    }
}

}  // namespace

bool ClientConnection::take_buffered_request_body(beast::error_code& ec) {
    request_piece_ready_ = false;
    if (request_->is_done()) {
        finish_body(*request_);
        request_piece_ready_ = true;
        return true;
    }
    if (client_buffer_.size() == 0) return true;
    arm_body(*request_, body_buffer_.get());
    while (client_buffer_.size() > 0 && !request_->is_done()) {
        auto used = request_->put(client_buffer_.data(), ec);
        client_buffer_.consume(used);
        if (ec == http::error::need_more || ec == http::error::need_buffer) {
            ec = {};
            break;
        }
        if (ec) return false;
        if (used == 0) break;
    }
    disarm_body(*request_, body_buffer_.get());
    request_piece_ready_ = request_->get().body().size > 0 || request_->is_done();
    return true;
}

// -- connect -------------------------------------------------------------------

void ClientConnection::do_connect() {
    if (auto idle = worker_.pool.take(settings_->upstream)) {
        upstream_.emplace(std::move(*idle));
        upstream_reused_ = true;
        return do_relay_request();
    }
    upstream_reused_ = false;
    upstream_.emplace(worker_.ioc);
    upstream_->expires_after(settings_->config->timeouts.upstream_connect);
    upstream_->async_connect(settings_->upstream,
                             beast::bind_front_handler(&ClientConnection::on_connect,
                                                       shared_from_this()));
}

void ClientConnection::on_connect(beast::error_code ec) {
    if (ec) return upstream_failed(ec, "connect");
    upstream_->socket().set_option(net::ip::tcp::no_delay(true), ec);
    do_relay_request();
}

// -- relay_request -------------------------------------------------------------

void ClientConnection::do_relay_request() {
    if (!request_writer_) {
        // Trailers parsed already would go out in the head, past our
        // stripping: the head is the one prepared, trailers are dropped.
        auto& req = request_->get();
        if (forwarded_head_) static_cast<http::fields&>(req) = *forwarded_head_;
        request_writer_.emplace(req);
    }
    if (!request_piece_ready_) {
        if (!request_->is_done()) return do_read_request_piece();
        finish_body(*request_);
    }
    // The head goes out with the first piece: one write for small requests.
    upstream_->expires_after(settings_->config->timeouts.upstream_idle);
    http::async_write(*upstream_, *request_writer_,
                      beast::bind_front_handler(&ClientConnection::on_request_piece_written,
                                                shared_from_this()));
}

void ClientConnection::on_request_piece_written(beast::error_code ec, std::size_t) {
    ec = without_need_buffer(ec);
    if (ec && ec != beast::error::timeout && !early_answer_sought_) {
        // The upstream may have answered early (413, 401) and closed without
        // reading the whole body: that answer, if it came, is the response.
        early_answer_sought_ = true;
        keep_alive_ = false;  // the rest of the client's body is never read
        return do_read_response_head();
    }
    if (ec) return upstream_failed(ec, "send request");
    request_piece_ready_ = false;
    if (request_writer_->is_done()) return do_read_response_head();
    do_read_request_piece();
}

void ClientConnection::do_read_request_piece() {
    if (expects_continue_ && !sent_continue_ && client_buffer_.size() == 0) {
        // The client waits for this before sending its body.
        sent_continue_ = true;
        static constexpr std::string_view interim = "HTTP/1.1 100 Continue\r\n\r\n";
        client_.expires_after(settings_->config->timeouts.request_body);
        return net::async_write(client_, net::buffer(interim.data(), interim.size()),
                                [self = shared_from_this()](beast::error_code ec, std::size_t) {
                                    if (ec) return self->close();
                                    self->do_read_request_piece();
                                });
    }
    // Raw bytes first: the chunked framing is checked before Beast parses.
    auto space = std::min(read_chunk, client_buffer_.max_size() - client_buffer_.size());
    if (space == 0) return respond_locally(400, "malformed request body");
    client_.expires_after(settings_->config->timeouts.request_body);
    client_.async_read_some(client_buffer_.prepare(space),
                            beast::bind_front_handler(&ClientConnection::on_request_piece_read,
                                                      shared_from_this()));
}

void ClientConnection::on_request_piece_read(beast::error_code ec, std::size_t bytes) {
    if (ec) {
        // A timeout closed the socket already: nothing more can be said to the client.
        upstream_.reset();  // the client left mid-body: the upstream gets a truncated request
        log_note_ = "client closed during request body";
        log_request();
        return close();
    }
    client_buffer_.commit(bytes);
    auto data = static_cast<const char*>(client_buffer_.data().data());
    if (request_->chunked() &&
        !check_chunked_framing(std::string_view(data + client_buffer_.size() - bytes, bytes)))
        return respond_locally(400, "malformed chunked body");
    if (!take_buffered_request_body(ec)) {
        if (ec == http::error::body_limit) return respond_locally(413, "request body too large");
        return respond_locally(400, "malformed request body");
    }
    if (!request_piece_ready_) return do_read_request_piece();
    do_relay_request();
}

void ClientConnection::upstream_failed(beast::error_code ec, std::string_view during) {
    bool timed_out = ec == beast::error::timeout;
    Metrics::add(worker_.shared.metrics.upstream_errors);
    log_error("upstream_error", {{"during", during},
                                 {"error", ec.message()},
                                 {"upstream", settings_->config->upstream.url()},
                                 {"target", target_}});
    respond_locally(timed_out ? 504 : 502, timed_out ? "upstream timed out" : "upstream failed");
}

// -- read_response ---------------------------------------------------------------

void ClientConnection::do_read_response_head() {
    const auto& config = *settings_->config;
    response_.emplace();
    // Reads take what the buffer can hold: room for a full body piece, not 512 bytes.
    upstream_buffer_.reserve(body_buffer_size);
    response_->header_limit(static_cast<std::uint32_t>(config.limits.max_response_header_bytes));
    response_->body_limit(boost::none);  // downloads of any size stream through
    if (head_request_) response_->skip(true);
    upstream_->expires_after(config.timeouts.upstream_response);
    http::async_read_header(*upstream_, upstream_buffer_, *response_,
                            beast::bind_front_handler(&ClientConnection::on_read_response_head,
                                                      shared_from_this()));
}

void ClientConnection::on_read_response_head(beast::error_code ec, std::size_t) {
    if (ec) {
        // A pooled connection the upstream closed just as we reused it: a
        // request without a body is safely sent again on a fresh connection.
        bool stale = ec == http::error::end_of_stream || ec == net::error::connection_reset;
        if (stale && upstream_reused_ && is_idempotent(request_->get().method()) && !request_->chunked() &&
            !request_->content_length()) {
            upstream_.reset();
            upstream_buffer_.clear();
            request_writer_.reset();
            finish_body(*request_);
            request_piece_ready_ = true;
            upstream_reused_ = false;
            upstream_.emplace(worker_.ioc);
            upstream_->expires_after(settings_->config->timeouts.upstream_connect);
            return upstream_->async_connect(
                settings_->upstream,
                beast::bind_front_handler(&ClientConnection::on_connect, shared_from_this()));
        }
        return upstream_failed(ec, "read response head");
    }
    unsigned status = response_->get().result_int();
    if (status / 100 == 1 && status != 101) return do_read_response_head();  // interim: dropped
    if (status == 101 && !websocket_) return upstream_failed(http::error::bad_status, "unexpected 101");
    // Only chunked can be re-framed for the client; another coding would
    // reach it undeclared.
    std::string codings;
    for (auto range = response_->get().equal_range(http::field::transfer_encoding); range.first != range.second;
         ++range.first) {
        if (!codings.empty()) codings += ',';
        codings.append(range.first->value());
    }
    if (!codings.empty() && !is_chunked_only(codings))
        return upstream_failed(http::error::bad_transfer_encoding, "response transfer coding");
    status_ = status;
    do_save_session();
}

// -- relay_response ----------------------------------------------------------------

void ClientConnection::do_write_response() {
    response_writer_.emplace(response_->get());
    auto on_written = beast::bind_front_handler(&ClientConnection::on_response_piece_written,
                                                shared_from_this());
    client_.expires_after(settings_->config->timeouts.request_body);
    bool bodiless = head_request_ || status_ == 204 || status_ == 304;
    if (bodiless) return http::async_write_header(client_, *response_writer_, std::move(on_written));
    if (response_->is_done()) {
        finish_body(*response_);
        return http::async_write(client_, *response_writer_, std::move(on_written));
    }
    if (upstream_buffer_.size() > 0) {
        // Body bytes already here: they go out with the head in one write.
        arm_body(*response_, body_buffer_.get());
        return http::async_read_some(*upstream_, upstream_buffer_, *response_,
                                     beast::bind_front_handler(&ClientConnection::on_response_piece_read,
                                                               shared_from_this()));
    }
    // Nothing yet (a stream, a slow body): the head goes out now on its own.
    http::async_write_header(client_, *response_writer_, std::move(on_written));
}

void ClientConnection::on_response_piece_written(beast::error_code ec, std::size_t bytes) {
    ec = without_need_buffer(ec);
    bytes_out_ += bytes;
    response_head_sent_ = true;
    if (ec) {
        upstream_.reset();
        log_note_ = "client closed during response";
        log_request();
        return client_.close();
    }
    bool bodiless = head_request_ || status_ == 204 || status_ == 304;
    if (response_writer_->is_done() || bodiless) return on_response_done();
    if (response_->is_done()) {
        finish_body(*response_);
        return http::async_write(client_, *response_writer_,
                                 beast::bind_front_handler(&ClientConnection::on_response_piece_written,
                                                           shared_from_this()));
    }
    arm_body(*response_, body_buffer_.get());
    upstream_->expires_after(settings_->config->timeouts.upstream_idle);
    http::async_read_some(*upstream_, upstream_buffer_, *response_,
                          beast::bind_front_handler(&ClientConnection::on_response_piece_read,
                                                    shared_from_this()));
}

void ClientConnection::on_response_piece_read(beast::error_code ec, std::size_t) {
    ec = without_need_buffer(ec);
    if (ec && !response_head_sent_) return upstream_failed(ec, "read response body");
    if (ec) {
        // The head is out: all we can do is cut the client off too, so it
        // sees a truncated response, never a wrong one.
        Metrics::add(worker_.shared.metrics.upstream_errors);
        log_error("upstream_error", {{"during", "read response body"},
                                     {"error", ec.message()},
                                     {"target", target_}});
        upstream_.reset();
        log_note_ = "upstream failed during response body";
        log_request();
        return client_.close();
    }
    disarm_body(*response_, body_buffer_.get());
    client_.expires_after(settings_->config->timeouts.request_body);
    http::async_write(client_, *response_writer_,
                      beast::bind_front_handler(&ClientConnection::on_response_piece_written,
                                                shared_from_this()));
}

void ClientConnection::on_response_done() {
    log_request();
    bool reusable = upstream_ && response_->is_done() && response_->keep_alive() &&
                    request_writer_ && request_writer_->is_done() && upstream_buffer_.size() == 0 &&
                    !worker_.shared.draining.load(std::memory_order_relaxed);
    if (reusable) worker_.pool.put(std::move(*upstream_), settings_->upstream);
    upstream_.reset();
    upstream_buffer_.clear();
    if (!keep_alive_) return request_->is_done() ? close() : close_lingering();
    first_request_ = false;
    head_started_ = Clock::now();  // a pipelined next head gets its own deadline
    do_read_head();
}

void ClientConnection::start_tunnel() {
    // The 101 head goes out, then bytes flow both ways untouched.
    response_writer_.emplace(response_->get());
    http::async_write_header(
        client_, *response_writer_, [self = shared_from_this()](beast::error_code ec, std::size_t bytes) {
            self->bytes_out_ += bytes;
            self->log_request();
            if (ec) return self->client_.close();
            std::make_shared<Tunnel>(std::move(self->client_), std::move(*self->upstream_),
                                     std::move(self->client_buffer_), std::move(self->upstream_buffer_),
                                     self->settings_->config->timeouts.tunnel_idle,
                                     self->worker_.shared.metrics.connections_open)
                ->start();
            self->upstream_.reset();
        });
}

}  // namespace sessiongate::proxy
