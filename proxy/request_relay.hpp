// The request leg of an exchange: the upstream connection (from the pool or
// new, one place for both and for the retry on a stale pooled one) and the
// request, head then body pieces, from the client to the upstream.
//
// States:
//   connect         pooled connection, or a new one (timeouts.upstream_connect)
//   send_piece      head + first body bytes in one send; then body pieces
//   read_body       more body bytes from the client (timeouts.request_body)
//   sent            whole request with the upstream: the response leg waits
//                   for the head (timeouts.upstream_response)
// With a body to send, the response leg reads the upstream from `connect`
// on, so an early final answer stops this leg wherever it is (`abandon`).
//
// Body bytes that came with the head are decoded in `start`, before
// connecting; a check that must see the start of a body before anything goes
// up (a CSRF token in a form, up to a size limit) reads more there, into the
// same buffers, and then sends it unchanged as the first pieces.
#pragma once

#include <boost/beast/core/error.hpp>

#include <cstddef>
#include <string_view>

namespace sessiongate::proxy {

class ClientConnection;
struct Exchange;

class RequestRelay {
public:
    explicit RequestRelay(ClientConnection& connection) : c_(connection) {}

    /// Rewrites the head for the upstream, checks the body bytes already
    /// here, then connects and sends. Answers locally on a bad body.
    void start();
    /// After the form check passed (FormTokenReader): the same from the
    /// body check on.
    void forward();
    /// Sends the request again on a fresh connection (a stale pooled one).
    void retry();
    /// An early final answer: the rest of the request is never sent.
    void abandon();
    /// Body bytes read from the client (framing checked); false after
    /// answering locally.
    bool take_client_bytes(std::size_t fresh);

private:
    void prepare_head();
    void do_connect();
    void on_connect(boost::beast::error_code ec);
    void on_handshake(boost::beast::error_code ec);
    void on_connected();
    void read_response();
    void do_send_piece();
    void on_piece_sent(boost::beast::error_code ec, std::size_t bytes);
    void do_read_body();
    void on_body_read(boost::beast::error_code ec, std::size_t bytes);
    /// The next body piece from the buffered client bytes (empty: need more).
    bool next_piece(boost::beast::error_code& ec);
    Exchange& ex();

    ClientConnection& c_;
    std::size_t piece_from_client_ = 0;  // Length: bytes of the client buffer in flight
    bool last_piece_ = false;
};

}  // namespace sessiongate::proxy
