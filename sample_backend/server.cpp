#include "sample_backend/server.hpp"

#include "sample_backend/app.hpp"
#include "sample_backend/responses.hpp"
#include "sample_backend/translate.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include <iostream>
#include <optional>

namespace sample_backend {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr auto idle_timeout = std::chrono::seconds(60);
// X-Session carries the whole session (the proxy allows 16 KB by default),
// far beyond Beast's default 8 KB for the whole head.
constexpr std::uint32_t header_limit = 128 * 1024;
constexpr std::uint64_t body_limit = 1024 * 1024;

/// The status that answers a request Beast could not read, if any.
std::optional<http::status> read_error_status(const beast::error_code& error) {
    if (error == http::error::header_limit)
        return http::status::request_header_fields_too_large;
    if (error == http::error::body_limit)
        return http::status::payload_too_large;
    const auto& http_errors = make_error_code(http::error::bad_target).category();
    if (error.category() == http_errors && error != http::error::end_of_stream &&
        error != http::error::partial_message)
        return http::status::bad_request;
    return std::nullopt;  // the connection closed, reset or timed out
}

Response answer(const HttpRequest& request, const ServerOptions& options) {
    const Request values = to_request(request, std::chrono::system_clock::now());
    try {
        return handle(values, options.app);
    } catch (const std::exception& e) {
        std::cerr << "sample_backend: error: " << e.what() << '\n';
        return error_page(500, "Internal error.", values);
    }
}

asio::awaitable<void> serve_connection(beast::tcp_stream stream, ServerOptions options) {
    beast::flat_buffer buffer;
    for (;;) {
        http::request_parser<http::string_body> parser;
        parser.header_limit(header_limit);
        parser.body_limit(body_limit);
        stream.expires_after(idle_timeout);
        auto [read_error, read_bytes] = co_await http::async_read(stream, buffer, parser, use_tuple);
        if (read_error) {
            // A malformed or oversized request gets an error answer; a closed
            // or idle connection just ends.
            if (auto status = read_error_status(read_error)) {
                HttpResponse refusal{*status, 11};
                refusal.set(http::field::content_type, "text/plain; charset=utf-8");
                refusal.body() = read_error.message() + "\n";
                refusal.keep_alive(false);
                refusal.prepare_payload();
                co_await http::async_write(stream, refusal, use_tuple);
            }
            break;
        }
        const HttpRequest request = parser.release();

        HttpResponse response = to_http(answer(request, options), request);
        if (options.access_log)
            std::cerr << request.method_string() << ' ' << request.target() << ' '
                      << response.result_int() << '\n';
        auto [write_error, written] = co_await http::async_write(stream, response, use_tuple);
        if (write_error || !response.keep_alive())
            break;
    }
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

}  // namespace

asio::awaitable<void> accept_loop(tcp::acceptor& acceptor, ServerOptions options) {
    for (;;) {
        auto [error, socket] = co_await acceptor.async_accept(use_tuple);
        if (error == asio::error::operation_aborted || !acceptor.is_open())
            co_return;
        if (error) {
            // EMFILE or a connection reset before accept: pause, then keep serving.
            asio::steady_timer pause(acceptor.get_executor(), std::chrono::milliseconds(100));
            co_await pause.async_wait(use_tuple);
            continue;
        }
        asio::co_spawn(acceptor.get_executor(),
                       serve_connection(beast::tcp_stream(std::move(socket)), options),
                       asio::detached);
    }
}

}  // namespace sample_backend
