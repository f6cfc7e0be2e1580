// One client connection and the requests it carries, relayed to the upstream.
//
// States, in order, for each request (a pipelining client's later requests
// wait in the read buffer, so answers go out in order):
//   read_head        raw bytes until CRLF CRLF; strict checks; Beast parses
//   load_session     cookie -> store.load
//   connect          idle pooled upstream connection, or a new one
//   relay_request    head + body pieces through one fixed buffer
//   read_response    upstream response head (1xx skipped, 101 -> tunnel)
//   save_session     control headers -> store.write (durable before going on)
//   relay_response   head + body pieces back to the client
// then read_head again (keep-alive) or close. A request the proxy refuses is
// answered locally and the connection closed.
#pragma once

#include "proxy/chunked_framing.hpp"
#include "proxy/worker.hpp"
#include "session/session_filter.hpp"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/string_body.hpp>

#include <chrono>
#include <memory>
#include <optional>

namespace sessiongate::proxy {

namespace beast = boost::beast;
namespace http = beast::http;

class ClientConnection : public std::enable_shared_from_this<ClientConnection> {
public:
    // One body piece in flight per connection and direction: memory stays flat.
    static constexpr std::size_t body_buffer_size = 64 * 1024;
    static constexpr std::size_t read_chunk = 64 * 1024;

    ClientConnection(Worker& worker, boost::asio::ip::tcp::socket socket);
    ~ClientConnection();

    void start();
    /// Closes the connection if it waits for a request (draining); else no-op.
    void close_if_idle();

private:
    using RequestParser = http::request_parser<http::buffer_body>;
    using ResponseParser = http::response_parser<http::buffer_body>;
    using Clock = std::chrono::steady_clock;


    // read_head
    void do_read_head();
    void on_read_head(beast::error_code ec, std::size_t bytes);
    void on_head_complete(std::size_t head_length);
    // load_session
    void do_load_session();
    void on_session_loaded(session::LoadResult loaded);
    void on_request_ready();
    template <class Result>
    std::function<void(Result)> on_own_thread(void (ClientConnection::*handler)(Result));
    // connect
    void do_connect();
    void on_connect(beast::error_code ec);
    // relay_request
    void do_relay_request();
    void on_request_piece_written(beast::error_code ec, std::size_t);
    void do_read_request_piece();
    void on_request_piece_read(beast::error_code ec, std::size_t bytes);
    // read_response
    void do_read_response_head();
    void on_read_response_head(beast::error_code ec, std::size_t);
    // save_session
    void do_save_session();
    void on_session_saved(session::WriteResult result);
    // relay_response
    void do_write_response();
    void on_response_piece_written(beast::error_code ec, std::size_t);
    void on_response_piece_read(beast::error_code ec, std::size_t);
    void on_response_done();

    void prepare_request_head();
    void prepare_response_head(const std::vector<std::string>& set_cookies);
    bool take_buffered_request_body(beast::error_code& ec);
    void upstream_failed(beast::error_code ec, std::string_view during);
    void start_tunnel();

    /// Answers locally (an error page) and closes after writing when `close`.
    void respond_locally(unsigned status, std::string_view reason, bool close = true);
    void close();
    void close_lingering();
    void on_lingering_read(beast::error_code ec, std::size_t bytes);
    bool check_chunked_framing(std::string_view bytes);
    static std::string origin_form(std::string_view absolute_target, std::string& authority);
    void log_request();
    std::chrono::milliseconds remaining_head_time() const;

    Worker& worker_;
    SettingsPtr settings_;  // fixed for the whole request
    beast::tcp_stream client_;
    boost::asio::ip::address peer_address_;
    std::string peer_ip_;
    bool peer_trusted_ = false;
    beast::flat_buffer client_buffer_;
    std::unique_ptr<char[]> body_buffer_;  // one fixed buffer: memory stays flat

    // Per request.
    std::optional<RequestParser> request_;
    std::optional<http::request_serializer<http::buffer_body>> request_writer_;
    std::optional<ResponseParser> response_;
    std::optional<http::response_serializer<http::buffer_body>> response_writer_;
    std::optional<http::response<http::string_body>> local_response_;
    std::optional<beast::tcp_stream> upstream_;
    beast::flat_buffer upstream_buffer_;
    bool upstream_reused_ = false;
    bool request_piece_ready_ = false;
    bool response_head_sent_ = false;
    bool early_answer_sought_ = false;  // a failed upload: the upstream's early answer is read
    std::size_t linger_budget_ = 0;
    std::optional<http::fields> forwarded_head_;  // chunked requests: the head before any trailer  // bytes a lingering close still reads
    ChunkedFramingCheck chunked_check_;
    bool sent_continue_ = false;
    bool expects_continue_ = false;
    bool websocket_ = false;
    bool head_request_ = false;
    bool keep_alive_ = false;
    bool idle_ = false;           // between requests, nothing buffered
    bool first_request_ = true;
    std::size_t scanned_ = 0;     // head bytes already scanned for CRLF CRLF
    Clock::time_point head_started_;
    Clock::time_point request_started_;
    std::string method_;
    std::string target_;
    unsigned status_ = 0;
    std::uint64_t bytes_out_ = 0;
    std::string log_note_;

    session::RequestPolicy policy_;
    session::RequestSession session_;
    session::CookieLookup cookie_;
    session::ControlHeaders control_;
};

}  // namespace sessiongate::proxy
