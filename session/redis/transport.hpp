// The byte stream under one Redis connection: a TCP socket, or a TLS stream
// over it for rediss://. One Transport per connection attempt; a broken one
// is closed and replaced, never reused.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>

#include <array>
#include <cstddef>
#include <functional>
#include <string>
#include <variant>

namespace sessiongate::session::redis {

class Transport {
public:
    using Handler = std::function<void(boost::system::error_code, std::size_t)>;
    using StepHandler = std::function<void(boost::system::error_code, std::string message)>;

    /// Plain TCP when `tls` is null; otherwise TLS with `tls`, verifying that
    /// the server's certificate names `host` (and sending it as SNI).
    Transport(const boost::asio::any_io_executor& executor, boost::asio::ssl::context* tls, const std::string& host);

    boost::asio::ip::tcp::socket& socket();

    /// TCP connect to the first endpoint that answers, then (TLS) the
    /// handshake. A failure's message says what went wrong (for TLS, why
    /// the certificate was refused: "hostname mismatch").
    void async_connect(const boost::asio::ip::tcp::resolver::results_type& endpoints, StepHandler done);
    /// Reads what has arrived into buffer().
    void async_read_some(Handler done);
    /// Writes all of `bytes`, which must stay alive until `done` runs.
    void async_write(const std::string& bytes, Handler done);
    void close();

    /// Where async_read_some puts the bytes.
    const char* buffer() const { return buffer_.data(); }

private:
    using Tls = boost::asio::ssl::stream<boost::asio::ip::tcp::socket>;
    std::variant<boost::asio::ip::tcp::socket, Tls> stream_;
    std::array<char, 16 * 1024> buffer_;
};

}  // namespace sessiongate::session::redis
