// Stream: one leg of a connection (client or upstream), plain TCP or TLS
// over it, behind the few calls the relay makes (async_read_some,
// async_write_some for asio::async_write, cancel, shutdown, close). The
// relay is written once for both; only accepting and connecting know which
// one a leg is.
//
// The TLS layer lives on the heap, so moving a Stream (into the upstream
// pool, into a WebSocket tunnel) never moves the SSL state an operation in
// flight refers to; it also holds its context, so a reload that loads a new
// certificate leaves open connections on the one they started with.
#pragma once

#include "proxy/socket.hpp"
#include "proxy/tls_context.hpp"

#include <boost/asio/ssl/stream.hpp>

#include <memory>
#include <optional>
#include <utility>

namespace sessiongate::proxy {

class Stream {
public:
    using executor_type = Executor;
    using HandshakeType = boost::asio::ssl::stream_base::handshake_type;

    /// Plain TCP.
    explicit Stream(Socket socket) : plain_(std::move(socket)) {}
    /// TLS over `socket` with `context` (the handshake is still to be made).
    Stream(Socket socket, TlsContextPtr context)
        : tls_(std::make_unique<TlsLayer>(std::move(context), std::move(socket))) {}

    Stream(Stream&&) noexcept = default;
    Stream& operator=(Stream&&) noexcept = default;

    bool is_tls() const { return tls_ != nullptr; }
    Socket& socket() { return tls_ ? tls_->stream.next_layer() : *plain_; }
    executor_type get_executor() { return socket().get_executor(); }
    /// The connection's SSL object (TLS only): SNI, the host to verify.
    SSL* native_handle() { return tls_->stream.native_handle(); }

    template <class Handler>
    void async_handshake(HandshakeType type, Handler&& handler) {
        tls_->stream.async_handshake(type, std::forward<Handler>(handler));
    }

    /// close_notify, then the peer's (TLS only). Only with no other
    /// operation in flight on the stream.
    template <class Handler>
    void async_shutdown(Handler&& handler) {
        tls_->stream.async_shutdown(std::forward<Handler>(handler));
    }

    template <class Buffers, class Handler>
    void async_read_some(const Buffers& buffers, Handler&& handler) {
        if (tls_) tls_->stream.async_read_some(buffers, std::forward<Handler>(handler));
        else plain_->async_read_some(buffers, std::forward<Handler>(handler));
    }

    template <class Buffers, class Handler>
    void async_write_some(const Buffers& buffers, Handler&& handler) {
        if (tls_) tls_->stream.async_write_some(buffers, std::forward<Handler>(handler));
        else plain_->async_write_some(buffers, std::forward<Handler>(handler));
    }

    // The socket's own calls. Cancelling a TLS read that waits for bytes
    // (parking, a pooled connection taken) leaves the TLS state usable.
    void cancel(boost::system::error_code& ec) { socket().cancel(ec); }
    void close(boost::system::error_code& ec) { socket().close(ec); }
    void shutdown(Socket::shutdown_type what, boost::system::error_code& ec) { socket().shutdown(what, ec); }

private:
    struct TlsLayer {
        TlsLayer(TlsContextPtr context_, Socket socket) : context(std::move(context_)), stream(std::move(socket), *context) {}
        TlsContextPtr context;  // kept alive for the connection's life
        boost::asio::ssl::stream<Socket> stream;
    };
    std::optional<Socket> plain_;
    std::unique_ptr<TlsLayer> tls_;
};

}  // namespace sessiongate::proxy
