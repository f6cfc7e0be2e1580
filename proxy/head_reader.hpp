// The client side of a connection between exchanges: waiting for a request
// (idle, then parked), reading the head, checking it strictly, and turning
// it into the exchange the relay works on.
//
// States:
//   idle       after an exchange: a read armed with the buffer still held
//              (timeouts.keepalive); a keep-alive client's next request
//              usually comes at once
//   parked     idle a moment longer (the worker's tick), or a new connection:
//              the buffer is back in the pool and a one-byte read waits
//   read_head  raw bytes until CRLF CRLF (timeouts.request_header from the
//              first byte, or from the accept for the first request)
//   checked    strict checks on the raw bytes, then Beast parses; a refusal
//              is answered locally, else the session load starts
#pragma once

#include "proxy/exchange.hpp"

#include <boost/beast/core/error.hpp>

#include <cstddef>

namespace sessiongate::proxy {

class ClientConnection;

class HeadReader {
public:
    explicit HeadReader(ClientConnection& connection) : c_(connection) {}

    /// A new connection: parked until its first byte.
    void start();
    /// After an exchange: the next head, pipelined already or still to come.
    void next();
    /// The worker's tick: parks a connection idle for a moment.
    void on_tick(Clock::time_point now);
    /// Between requests with nothing received (closed at once when draining).
    bool idle() const { return idle_; }

private:
    void go_idle();
    void on_idle_read(boost::beast::error_code ec, std::size_t bytes);
    void park();
    void on_first_byte(boost::beast::error_code ec, std::size_t bytes);
    void do_read_head();
    void on_head_read(boost::beast::error_code ec, std::size_t bytes);
    void scan();
    void on_head_complete(std::size_t length);

    ClientConnection& c_;
    Clock::time_point idle_since_{};
    bool idle_ = false;     // between requests
    bool parking_ = false;  // the idle read is being cancelled to park
    bool parked_ = false;   // between requests, no buffer held
    bool first_request_ = true;
    std::size_t scanned_ = 0;  // head bytes already scanned for CRLF CRLF
    char first_byte_ = 0;      // a parked connection's read: no buffer for one byte
};

}  // namespace sessiongate::proxy
