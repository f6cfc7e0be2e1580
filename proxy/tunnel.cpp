#include "proxy/tunnel.hpp"

#include <boost/asio/write.hpp>

namespace sessiongate::proxy {

namespace net = boost::asio;
namespace beast = boost::beast;

Tunnel::Tunnel(beast::tcp_stream client, beast::tcp_stream upstream, beast::flat_buffer client_leftover,
               beast::flat_buffer upstream_leftover, std::chrono::milliseconds idle_timeout,
               std::atomic<std::int64_t>& open_connections)
    : client_(std::move(client)),
      upstream_(std::move(upstream)),
      up_{&client_, &upstream_, std::move(client_leftover)},
      down_{&upstream_, &client_, std::move(upstream_leftover)},
      idle_timeout_(idle_timeout),
      open_connections_(open_connections) {
    open_connections_.fetch_add(1, std::memory_order_relaxed);
}

Tunnel::~Tunnel() { open_connections_.fetch_sub(1, std::memory_order_relaxed); }

void Tunnel::start() {
    extend_deadline();
    pump(up_);
    pump(down_);
}

void Tunnel::extend_deadline() {
    // Traffic either way keeps both sides open; only a tunnel quiet both
    // ways (or a peer gone without a FIN) runs into the deadline.
    client_.expires_after(idle_timeout_);
    upstream_.expires_after(idle_timeout_);
}

void Tunnel::pump(Direction& d) {
    auto self = shared_from_this();
    if (d.leftover.size() > 0) {
        // What arrived with the handshake goes first.
        return net::async_write(*d.to, d.leftover.data(), [self, &d](beast::error_code ec, std::size_t) {
            d.leftover.clear();
            if (ec) return self->finish(d);
            self->pump(d);
        });
    }
    d.from->async_read_some(net::buffer(d.buffer), [self, &d](beast::error_code ec, std::size_t bytes) {
        self->on_read(d, ec, bytes);
    });
}

void Tunnel::on_read(Direction& d, beast::error_code ec, std::size_t bytes) {
    if (ec == beast::error::timeout) {
        client_.close();
        upstream_.close();
        return;
    }
    if (ec) return finish(d);
    extend_deadline();
    auto self = shared_from_this();
    net::async_write(*d.to, net::buffer(d.buffer.data(), bytes), [self, &d](beast::error_code ec, std::size_t) {
        if (ec) return self->finish(d);
        self->pump(d);
    });
}

void Tunnel::finish(Direction& d) {
    // One side is done: pass the half-close on; when both are done, close.
    d.done = true;
    beast::error_code ignored;
    d.to->socket().shutdown(net::ip::tcp::socket::shutdown_send, ignored);
    if (up_.done && down_.done) {
        client_.close();
        upstream_.close();
    }
}

}  // namespace sessiongate::proxy
