// The response leg of an exchange: the upstream's response head (interim
// `100 Continue` relayed when the client asked for it), the session moment,
// then head and body pieces to the client.
//
// States:
//   read_head     from the moment the upstream connection is there, also
//                 while the request is still being sent (an early answer)
//   save_session  control headers -> store (durable before the head goes on)
//   send_piece    head + first body bytes in one send; then body pieces
//   read_body     more body bytes from the upstream (timeouts.upstream_idle)
//   done          upstream connection back to the pool when clean; the
//                 client connection reads the next head or closes
#pragma once

#include <boost/beast/core/error.hpp>

#include <cstddef>

namespace sessiongate::proxy {

class ClientConnection;
struct Exchange;

class ResponseRelay {
public:
    explicit ResponseRelay(ClientConnection& connection) : c_(connection) {}

    /// Starts reading the response head (right after connecting).
    void start();
    /// After the session moment: the head and body go to the client.
    void send_head();

private:
    void new_parser();
    void do_read_head();
    void on_head_read(boost::beast::error_code ec, std::size_t bytes);
    void parse_head();
    void on_interim(unsigned status);
    void on_final_head(unsigned status);
    void do_send_piece();
    void on_piece_sent(boost::beast::error_code ec, std::size_t bytes);
    void do_read_body();
    void on_body_read(boost::beast::error_code ec, std::size_t bytes);
    bool next_piece(boost::beast::error_code& ec);
    void on_done();
    void start_tunnel();
    Exchange& ex();

    ClientConnection& c_;
    std::size_t piece_from_upstream_ = 0;  // raw body bytes of the upstream buffer in flight
    bool upstream_eof_ = false;
    bool last_piece_ = false;
};

}  // namespace sessiongate::proxy
