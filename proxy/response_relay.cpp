// The response leg: the upstream's head (read while the request may still be
// going up), the session moment, then head and body pieces to the client.
// See response_relay.hpp for its states.
#include "proxy/response_relay.hpp"

#include "proxy/chunked_decode.hpp"
#include "proxy/connection.hpp"
#include "proxy/head_writer.hpp"
#include "proxy/header_rewrite.hpp"
#include "proxy/message_rules.hpp"
#include "proxy/request_head.hpp"
#include "proxy/tunnel.hpp"

#include <boost/asio/write.hpp>

namespace sessiongate::proxy {

namespace net = boost::asio;
namespace beast = boost::beast;
using Wait = ClientConnection::Wait;

Exchange& ResponseRelay::ex() { return *c_.ex_; }

// -- read_head -------------------------------------------------------------------

void ResponseRelay::start() {
    auto& ex = this->ex();
    ex.from_upstream.reserve(c_.worker_.buffers, BufferPool::block_size);
    upstream_eof_ = false;
    new_parser();
    do_read_head();
}

void ResponseRelay::new_parser() {
    auto& ex = this->ex();
    auto& parser = ex.response.emplace();
    parser.header_limit(static_cast<std::uint32_t>(c_.config().limits.max_response_header_bytes));
    parser.body_limit(boost::none);  // downloads of any size stream through
    if (ex.head_request) parser.skip(true);
}

void ResponseRelay::do_read_head() {
    auto& ex = this->ex();
    // A pooled block holds any usual head; a larger one (up to the limit,
    // Beast refuses more) gets a larger buffer only when it comes.
    auto limit = c_.config().limits.max_response_header_bytes;
    auto& in = ex.from_upstream;
    in.reserve(c_.worker_.buffers, in.has_storage() && in.space_size() == 0 ? std::max(in.capacity() * 2, limit + 1) : BufferPool::block_size);
    ex.upstream->async_read_some(net::buffer(ex.from_upstream.space(), ex.from_upstream.space_size()),
                                 c_.guarded([this](beast::error_code ec, std::size_t n) { on_head_read(ec, n); }));
}

void ResponseRelay::on_head_read(beast::error_code ec, std::size_t bytes) {
    auto& ex = this->ex();
    if (ec) {
        // A pooled connection the upstream closed just as we reused it: a
        // request without a body is safely sent again on a fresh connection.
        bool stale = ec == net::error::eof || ec == net::error::connection_reset;
        if (stale && ex.upstream_reused && !ex.retried && ex.from_upstream.empty() && ex.request_retry_safe())
            return c_.request_relay_.retry();
        return c_.upstream_failed(ec, "read response head");
    }
    if (ex.upstream_first_byte == Clock::time_point{}) ex.upstream_first_byte = Clock::now();
    ex.from_upstream.commit(bytes);
    parse_head();
}

void ResponseRelay::parse_head() {
    auto& ex = this->ex();
    beast::error_code ec;
    auto data = ex.from_upstream.data();
    auto used = data.empty() ? 0 : ex.response->put(net::buffer(data.data(), data.size()), ec);
    if (data.empty() || ec == http::error::need_more) return do_read_head();
    if (ec) return c_.upstream_failed(ec, "read response head");
    ex.from_upstream.consume(used);
    unsigned status = ex.response->get().result_int();
    if (status / 100 == 1 && status != 101) return on_interim(status);
    on_final_head(status);
}

void ResponseRelay::on_interim(unsigned status) {
    auto& ex = this->ex();
    new_parser();
    if (status != 100 || !ex.expects_continue || ex.continue_relayed) return parse_head();  // dropped
    // The upstream wants the body: the client, waiting for this, sends it.
    ex.continue_relayed = true;
    net::async_write(c_.client_, net::buffer(continue_head.data(), continue_head.size()),
                     c_.guarded([this](beast::error_code ec, std::size_t n) {
                         if (ec) return c_.close();
                         this->ex().bytes_out += n;
                         parse_head();
                     }));
}

void ResponseRelay::on_final_head(unsigned status) {
    auto& ex = this->ex();
    // An answer before the whole request went up (401, 413, a 417 to an
    // Expect): it is the answer, and the rest of the request is not sent.
    if (!ex.request_sent) c_.request_relay_.abandon();
    if (status == 101 && !ex.websocket) return c_.upstream_failed(http::error::bad_status, "unexpected 101");
    auto& parser = *ex.response;
    // Only chunked can be re-framed for the client; another coding would
    // reach it undeclared.
    std::string codings;
    for (auto range = parser.get().equal_range(http::field::transfer_encoding); range.first != range.second;
         ++range.first) {
        if (!codings.empty()) codings += ',';
        codings.append(range.first->value());
    }
    if (!codings.empty() && !is_chunked_only(codings))
        return c_.upstream_failed(http::error::bad_transfer_encoding, "response transfer coding");
    ex.status = status;
    if (!response_has_body(ex.head_request, status) || status == 101) {
        ex.response_framing = BodyFraming::None;
    } else if (parser.chunked()) {
        ex.response_framing = BodyFraming::Chunked;
    } else if (auto length = parser.content_length()) {
        ex.response_framing = BodyFraming::Length;
        ex.response_left = *length;
    } else {
        ex.response_framing = BodyFraming::UntilClose;
    }
    c_.session_.save();
}

// -- send_piece and read_body ------------------------------------------------------

void ResponseRelay::send_head() {
    auto& ex = this->ex();
    auto& res = ex.response->get();
    bool upgrade = ex.status == 101;
    bool http10_client = ex.request->get().version() < 11;
    remove_hop_by_hop(res, upgrade);
    if (ex.response_framing == BodyFraming::Chunked || ex.response_framing == BodyFraming::UntilClose) {
        // Chunked anew for HTTP/1.1 clients (a close-delimited body too, so
        // the client connection can stay open); an HTTP/1.0 client cannot
        // read chunks: the body goes raw, then we close.
        if (http10_client) ex.keep_alive = false;
        else res.chunked(true);
        ex.chunked_to_client = !http10_client;
    } else if (ex.response_framing == BodyFraming::Length) {
        res.content_length(ex.response_left);
    }
    c_.session_.add_response_headers(res);
    if (c_.worker_.shared.draining.load(std::memory_order_relaxed)) ex.keep_alive = false;
    if (!upgrade) {
        res.version(11);
        res.keep_alive(ex.keep_alive);
        if (ex.keep_alive && http10_client) res.set(http::field::connection, "keep-alive");
    }
    ex.client_head.reserve(1024);
    write_response_head(ex.client_head, ex.status, res.reason(), res);
    if (upgrade) return start_tunnel();
    beast::error_code ec;
    if (!next_piece(ec) && ec) return c_.upstream_failed(ec, "read response body");
    do_send_piece();
}

bool ResponseRelay::next_piece(beast::error_code& ec) {
    auto& ex = this->ex();
    auto& out = ex.to_client;
    auto& in = ex.from_upstream;
    out.prefix.clear();
    out.head = ex.response_started ? std::string_view{} : std::string_view(ex.client_head);
    out.body = out.suffix = {};
    piece_from_upstream_ = 0;
    switch (ex.response_framing) {
    case BodyFraming::None:
        last_piece_ = true;
        break;
    case BodyFraming::Length:
        // Passed through as it came: straight from our read buffer.
        piece_from_upstream_ = static_cast<std::size_t>(std::min<std::uint64_t>(in.size(), ex.response_left));
        out.body = in.data().substr(0, piece_from_upstream_);
        last_piece_ = piece_from_upstream_ == ex.response_left;
        break;
    case BodyFraming::UntilClose:
        piece_from_upstream_ = in.size();
        out.body = in.data();
        last_piece_ = upstream_eof_;
        out.suffix = frame_body_piece(out.prefix, piece_from_upstream_, ex.chunked_to_client, last_piece_);
        break;
    case BodyFraming::Chunked: {
        ex.response_piece.reserve(c_.worker_.buffers, BufferPool::block_size);
        ex.response_piece.clear();
        auto* dst = ex.response_piece.space();
        auto n = decode_chunks(*ex.response, in, dst, ex.response_piece.space_size(), ec);
        if (ec) return false;
        last_piece_ = ex.response->is_done();
        out.body = std::string_view(dst, n);
        out.suffix = frame_body_piece(out.prefix, n, ex.chunked_to_client, last_piece_);
        break;
    }
    }
    return out.size() > 0;
}

void ResponseRelay::do_send_piece() {
    auto& ex = this->ex();
    ex.response_started = true;
    c_.arm(Wait::ClientWrite, c_.config().timeouts.request_body);
    net::async_write(c_.client_, ex.to_client.buffers(),
                     c_.guarded([this](beast::error_code ec, std::size_t n) { on_piece_sent(ec, n); }));
}

void ResponseRelay::on_piece_sent(beast::error_code ec, std::size_t bytes) {
    auto& ex = this->ex();
    ex.bytes_out += bytes;
    if (ec) {
        ex.log_note = "client closed during response";
        c_.log_request();
        return c_.close();
    }
    ex.from_upstream.consume(piece_from_upstream_);
    if (ex.response_framing == BodyFraming::Length) ex.response_left -= piece_from_upstream_;
    if (last_piece_) return on_done();
    if (next_piece(ec)) return do_send_piece();
    if (ec) return c_.upstream_failed(ec, "read response body");
    if (last_piece_) return on_done();
    do_read_body();
}

void ResponseRelay::do_read_body() {
    auto& ex = this->ex();
    c_.arm(Wait::UpstreamBody, c_.config().timeouts.upstream_idle);
    ex.from_upstream.reserve(c_.worker_.buffers, BufferPool::block_size);
    ex.upstream->async_read_some(net::buffer(ex.from_upstream.space(), ex.from_upstream.space_size()),
                                 c_.guarded([this](beast::error_code ec, std::size_t n) { on_body_read(ec, n); }));
}

void ResponseRelay::on_body_read(beast::error_code ec, std::size_t bytes) {
    auto& ex = this->ex();
    if (ec == net::error::eof && ex.response_framing == BodyFraming::UntilClose) upstream_eof_ = true;
    else if (ec) return c_.upstream_failed(ec, "read response body");
    ex.from_upstream.commit(bytes);
    if (next_piece(ec)) return do_send_piece();
    if (ec) return c_.upstream_failed(ec, "read response body");
    if (last_piece_) return on_done();
    do_read_body();
}

void ResponseRelay::on_done() {
    auto& ex = this->ex();
    c_.log_request();
    bool clean = ex.response_framing != BodyFraming::UntilClose && ex.response->keep_alive() &&
                 ex.request_sent && !ex.request_abandoned && ex.from_upstream.empty() &&
                 !c_.worker_.shared.draining.load(std::memory_order_relaxed);
    if (clean && ex.upstream) c_.worker_.pool.put(std::move(*ex.upstream), c_.settings_->upstream);
    ex.upstream.reset();
    c_.finish_exchange();
}

void ResponseRelay::start_tunnel() {
    // The 101 head goes out, then bytes flow both ways untouched.
    auto& ex = this->ex();
    ex.response_started = true;
    net::async_write(c_.client_, net::buffer(ex.client_head),
                     c_.guarded([this](beast::error_code ec, std::size_t bytes) {
                         auto& ex = this->ex();
                         ex.bytes_out += bytes;
                         c_.log_request();
                         if (ec) return c_.close();
                         c_.waiting_ = Wait::Nothing;
                         std::make_shared<Tunnel>(std::move(c_.client_), std::move(*ex.upstream),
                                                  std::string(c_.in_.data()), std::string(ex.from_upstream.data()),
                                                  c_.config().timeouts.tunnel_idle,
                                                  c_.worker_.shared.metrics)
                             ->start();
                         ex.upstream.reset();
                         c_.closed_ = true;
                     }));
}

}  // namespace sessiongate::proxy
