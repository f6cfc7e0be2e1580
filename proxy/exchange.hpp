// Everything one request/response exchange of a client connection holds:
// made fresh for each request head and dropped whole when the exchange ends
// (ClientConnection::ex_), so nothing of one exchange can leak into the next
// and an idle connection holds none of it. (Held by pointer rather than
// reset with `= {}`: Beast's parsers cannot be moved, and an idle keep-alive
// connection then costs a few hundred bytes, not two kilobytes. The storage
// comes from the worker's ExchangePool.)
#pragma once

#include "proxy/buffer_pool.hpp"
#include "proxy/chunked_framing.hpp"
#include "proxy/metrics.hpp"
#include "proxy/tls_stream.hpp"
#include "session/session_step.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>

#include <array>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace sessiongate::proxy {

namespace http = boost::beast::http;
using Clock = std::chrono::steady_clock;

/// How a message's body is delimited on the way in.
enum class BodyFraming {
    None,        // no body
    Length,      // Content-Length: passed through as it is
    Chunked,     // decoded by Beast's parser, chunked anew (trailers dropped)
    UntilClose,  // a response delimited by the upstream closing
};

/// One write: a head (first piece only), framing text, body bytes, framing
/// text; gathered into one send.
struct Outgoing {
    std::string_view head;
    std::string prefix;
    std::string_view body;
    std::string_view suffix;
    std::array<boost::asio::const_buffer, 4> buffers() const {
        return {boost::asio::buffer(head.data(), head.size()), boost::asio::buffer(prefix),
                boost::asio::buffer(body.data(), body.size()), boost::asio::buffer(suffix.data(), suffix.size())};
    }
    std::size_t size() const { return head.size() + prefix.size() + body.size() + suffix.size(); }
};

struct Exchange {
    // -- the request, as parsed and rewritten
    std::optional<http::request_parser<http::buffer_body>> request;
    std::string method;
    std::string target;
    std::string request_id;
    std::string host;        // for the log: as the client sent it
    std::string user_agent;
    std::string client;      // the client's address, through trusted proxies
    bool head_request = false;
    bool websocket = false;
    bool expects_continue = false;
    bool keep_alive = false;  // the client connection after this exchange
    BodyFraming request_framing = BodyFraming::None;
    std::uint64_t request_left = 0;  // Length: body bytes not yet forwarded
    ChunkedFramingCheck chunked_check;

    // -- the session moments (ConnectionSession): the step makes every
    //    session decision; these are its answers on their way into heads
    std::optional<session::SessionStep> session;
    session::RequestStart session_start;
    std::vector<session::Header> session_request_headers;
    session::ResponseDecision session_response;
    /// Token mode: the body's csrfmiddlewaretoken must be found before
    /// anything goes upstream (proxy/form_token_reader.hpp).
    bool read_form_token = false;

    // -- the upstream leg
    std::optional<Stream> upstream;
    bool upstream_reused = false;  // came from the pool (may be stale)
    bool retried = false;
    std::string upstream_head;  // serialized once; sent again on a retry
    bool head_sent = false;
    Outgoing to_upstream;
    Buffer request_piece;        // decoded chunks on their way up
    bool request_sent = false;   // the whole request is with the upstream
    bool request_abandoned = false;  // an early answer: the rest is never sent
    bool response_read_started = false;

    // -- the response
    Buffer from_upstream;
    std::optional<http::response_parser<http::buffer_body>> response;
    unsigned status = 0;
    BodyFraming response_framing = BodyFraming::None;
    std::uint64_t response_left = 0;
    bool chunked_to_client = false;
    std::string client_head;
    Outgoing to_client;
    Buffer response_piece;      // decoded chunks on their way down
    bool response_started = false;  // some byte of a response went to the client
    bool continue_relayed = false;
    bool response_done = false;

    // -- for the log and metrics
    Clock::time_point started = Clock::now();
    Clock::time_point upstream_started{};  // connect (or a pooled connection) begins
    Clock::time_point upstream_first_byte{};
    std::uint64_t bytes_in = 0;
    std::uint64_t bytes_out = 0;
    std::string log_note;

    /// True when every byte of the request body has been taken from the client.
    bool request_read_whole() const;
    /// True when the request, bodiless and idempotent, can be sent again on a
    /// fresh connection should a pooled one turn out closed.
    bool request_retry_safe() const;
};

}  // namespace sessiongate::proxy
