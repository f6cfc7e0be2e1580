// The request leg: connect (pooled or new), then head and body pieces from
// the client to the upstream. See request_relay.hpp for its states.
#include "proxy/request_relay.hpp"

#include "proxy/chunked_decode.hpp"
#include "proxy/connection.hpp"
#include "proxy/head_writer.hpp"
#include "proxy/header_rewrite.hpp"
#include "proxy/message_rules.hpp"

#include <boost/asio/write.hpp>

#include <openssl/x509.h>

namespace sessiongate::proxy {

namespace net = boost::asio;
namespace beast = boost::beast;
using Wait = ClientConnection::Wait;

bool Exchange::request_read_whole() const {
    if (!request) return false;
    switch (request_framing) {
    case BodyFraming::None: return true;
    case BodyFraming::Length: return request_left == 0;
    case BodyFraming::Chunked: return request->is_done();
    case BodyFraming::UntilClose: return false;
    }
    return false;
}

bool Exchange::request_retry_safe() const {
    if (request_framing != BodyFraming::None) return false;
    // RFC 9110 9.2.2: safe to send twice.
    switch (request->get().method()) {
    case http::verb::get: case http::verb::head: case http::verb::options:
    case http::verb::trace: case http::verb::put: case http::verb::delete_:
        return true;
    default:
        return false;
    }
}

Exchange& RequestRelay::ex() { return *c_.ex_; }

void RequestRelay::start() {
    prepare_head();
    if (ex().read_form_token) return c_.form_token_reader_.start();
    forward();
}

void RequestRelay::forward() {
    // Body bytes that came with the head are decoded before anything is sent
    // upstream, so a bad chunk or an oversized body forwards nothing.
    beast::error_code ec;
    if (!next_piece(ec) && ec) {
        auto answer = request_body_error(ec);
        return c_.respond_locally(answer.status, answer.reason);
    }
    do_connect();
}

void RequestRelay::prepare_head() {
    auto& ex = this->ex();
    const auto& config = c_.config();
    auto& parser = *ex.request;
    auto& req = parser.get();
    remove_hop_by_hop(req, ex.websocket);
    set_forwarded_headers(req, {c_.peer_ip_, c_.peer_trusted_, c_.client_.is_tls() ? "https" : "http"});
    auto upstream_host = [&] { return config.upstream.host + ":" + std::to_string(config.upstream.port); };
    // Sent on as HTTP/1.1, which requires a Host (an HTTP/1.0 client may omit it).
    if (!config.preserve_host || req.find(http::field::host) == req.end()) req.set(http::field::host, upstream_host());
    // Framing is rebuilt from what we parsed: the upstream sees our chunking
    // and one plain Content-Length, never the client's spelling of it.
    if (parser.chunked()) req.chunked(true);
    else if (auto length = parser.content_length()) req.content_length(*length);
    c_.session_.add_request_headers(req);
    ex.upstream_head.reserve(1024);
    write_request_head(ex.upstream_head, req.method_string(), req.target(), req);
}

bool RequestRelay::take_client_bytes(std::size_t fresh) {
    auto& ex = this->ex();
    if (ex.request_framing != BodyFraming::Chunked || ex.chunked_check.done()) return true;
    auto data = c_.in_.data();
    ex.chunked_check.feed(data.substr(data.size() - fresh));
    if (!ex.chunked_check.failed()) return true;
    c_.respond_locally(400, "malformed chunked body");
    return false;
}

bool RequestRelay::next_piece(beast::error_code& ec) {
    auto& ex = this->ex();
    auto& out = ex.to_upstream;
    out.prefix.clear();
    out.head = ex.head_sent ? std::string_view{} : std::string_view(ex.upstream_head);
    out.body = out.suffix = {};
    piece_from_client_ = 0;
    switch (ex.request_framing) {
    case BodyFraming::None:
    case BodyFraming::UntilClose:
        last_piece_ = true;
        break;
    case BodyFraming::Length:
        // Passed through as it came: the bytes go straight from our read buffer.
        piece_from_client_ = static_cast<std::size_t>(std::min<std::uint64_t>(c_.in_.size(), ex.request_left));
        out.body = c_.in_.data().substr(0, piece_from_client_);
        last_piece_ = piece_from_client_ == ex.request_left;
        break;
    case BodyFraming::Chunked: {
        ex.request_piece.reserve(c_.worker_.buffers, BufferPool::block_size);
        ex.request_piece.clear();
        auto before = c_.in_.size();
        auto* dst = ex.request_piece.space();
        auto n = decode_chunks(*ex.request, c_.in_, dst, ex.request_piece.space_size(), ec);
        ex.bytes_in += before - c_.in_.size();
        if (ec) return false;
        last_piece_ = ex.request->is_done();
        out.body = std::string_view(dst, n);
        out.suffix = frame_body_piece(out.prefix, n, true, last_piece_);
        break;
    }
    }
    return out.size() > 0;
}

// -- connect ---------------------------------------------------------------------

void RequestRelay::do_connect() {
    auto& ex = this->ex();
    if (!ex.retried) ex.upstream_started = Clock::now();
    if (!ex.retried) {
        auto idle = c_.worker_.pool.take(c_.settings_->upstream, ex.request_retry_safe());
        // One pooled before a reload switched the upstream to or from https
        // is of no use now.
        if (idle && idle->is_tls() != (c_.settings_->upstream_tls != nullptr)) idle.reset();
        if (idle) {
            ex.upstream.emplace(std::move(*idle));
            ex.upstream_reused = true;
            return on_connected();
        }
    }
    ex.upstream_reused = false;
    if (c_.settings_->upstream_tls) ex.upstream.emplace(Socket(c_.worker_.ioc), c_.settings_->upstream_tls);
    else ex.upstream.emplace(Socket(c_.worker_.ioc));
    c_.arm(Wait::Connect, c_.config().timeouts.upstream_connect);
    ex.upstream->socket().async_connect(c_.settings_->upstream,
                               c_.guarded([this](beast::error_code ec) { on_connect(ec); }));
}

void RequestRelay::on_connect(beast::error_code ec) {
    if (ec) return c_.upstream_failed(ec, "connect");
    auto& upstream = *ex().upstream;
    upstream.socket().set_option(net::ip::tcp::no_delay(true), ec);
    if (!upstream.is_tls()) return on_connected();
    // https: SNI and the name to verify, then the handshake, within the
    // same connect deadline.
    const auto& config = c_.config();
    if (auto failed = prepare_upstream_connection(upstream.native_handle(), config.upstream.host,
                                                  config.upstream_tls.verify))
        return c_.upstream_failed(failed, "tls handshake");
    upstream.async_handshake(Stream::HandshakeType::client,
                             c_.guarded([this](beast::error_code ec) { on_handshake(ec); }));
}

void RequestRelay::on_handshake(beast::error_code ec) {
    if (!ec) return on_connected();
    // "certificate verify failed" alone does not say whether the CA or the
    // name was wrong: OpenSSL's verdict does ("hostname mismatch").
    long verdict = SSL_get_verify_result(ex().upstream->native_handle());
    c_.upstream_failed(ec, "tls handshake", verdict == X509_V_OK ? "" : X509_verify_cert_error_string(verdict));
}

void RequestRelay::on_connected() {
    // With a body to send, the response is read from now on, so an early
    // answer is seen at once. Without one it is read once the head is out: a
    // read started before the upstream could answer costs a wasted recv.
    if (ex().request_framing != BodyFraming::None) read_response();
    do_send_piece();
}

void RequestRelay::read_response() {
    auto& ex = this->ex();
    if (ex.response_read_started) return;
    ex.response_read_started = true;
    c_.response_relay_.start();
}

void RequestRelay::retry() {
    // A pooled connection the upstream closed just as we reused it: nothing
    // of this request was taken, so it goes again on a fresh connection.
    auto& ex = this->ex();
    ++c_.epoch_;
    c_.drop_upstream();
    ex.retried = true;
    ex.head_sent = ex.request_sent = ex.request_abandoned = ex.response_read_started = false;
    ex.from_upstream.clear();
    beast::error_code ec;
    next_piece(ec);
    do_connect();
}

void RequestRelay::abandon() {
    auto& ex = this->ex();
    if (ex.request_sent || ex.request_abandoned) return;
    ex.request_abandoned = true;
    ex.keep_alive = false;  // the rest of the client's body is never read
    beast::error_code ignored;
    c_.client_.cancel(ignored);
    if (ex.upstream) ex.upstream->cancel(ignored);
}

// -- send_piece and read_body -------------------------------------------------------

void RequestRelay::do_send_piece() {
    auto& ex = this->ex();
    c_.arm(Wait::UpstreamWrite, c_.config().timeouts.upstream_idle);
    net::async_write(*ex.upstream, ex.to_upstream.buffers(),
                     c_.guarded([this](beast::error_code ec, std::size_t n) { on_piece_sent(ec, n); }));
}

void RequestRelay::on_piece_sent(beast::error_code ec, std::size_t) {
    auto& ex = this->ex();
    if (ex.request_abandoned) return;  // an early answer took over
    if (ec) {
        // The upstream stopped taking the request: what it answered (or its
        // closing) is read by the response leg, which decides.
        ex.request_abandoned = true;
        ex.keep_alive = false;
        c_.arm(Wait::UpstreamResponse, c_.config().timeouts.upstream_response);
        return read_response();
    }
    ex.head_sent = true;
    if (piece_from_client_ > 0) {
        c_.in_.consume(piece_from_client_);
        ex.request_left -= piece_from_client_;
        ex.bytes_in += piece_from_client_;
    }
    if (last_piece_) {
        ex.request_sent = true;
        c_.arm(Wait::UpstreamResponse, c_.config().timeouts.upstream_response);
        return read_response();
    }
    if (next_piece(ec)) return do_send_piece();
    if (!ec) return do_read_body();
    auto answer = request_body_error(ec);
    c_.respond_locally(answer.status, answer.reason);
}

void RequestRelay::do_read_body() {
    auto& in = c_.in_;
    in.reserve(c_.worker_.buffers, BufferPool::block_size);
    if (in.space_size() == 0) return c_.respond_locally(400, "malformed request body");
    c_.arm(Wait::ClientBody, c_.config().timeouts.request_body);
    c_.client_.async_read_some(net::buffer(in.space(), in.space_size()),
                               c_.guarded([this](beast::error_code ec, std::size_t n) { on_body_read(ec, n); }));
}

void RequestRelay::on_body_read(beast::error_code ec, std::size_t bytes) {
    auto& ex = this->ex();
    if (ex.request_abandoned) return;
    if (ec) {
        // The upstream gets a truncated request and is dropped with the client.
        ex.log_note = "client closed during request body";
        c_.log_request();
        return c_.close();
    }
    c_.in_.commit(bytes);
    if (!take_client_bytes(bytes)) return;
    if (next_piece(ec)) return do_send_piece();
    if (!ec) return do_read_body();
    auto answer = request_body_error(ec);
    c_.respond_locally(answer.status, answer.reason);
}

}  // namespace sessiongate::proxy
