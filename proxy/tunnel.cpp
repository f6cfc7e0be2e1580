#include "proxy/tunnel.hpp"

#include <boost/asio/write.hpp>

namespace sessiongate::proxy {

namespace net = boost::asio;
using boost::system::error_code;

Tunnel::Tunnel(Stream client, Stream upstream, std::string client_leftover, std::string upstream_leftover,
               std::chrono::milliseconds idle_timeout, Metrics& metrics)
    : client_(std::move(client)),
      upstream_(std::move(upstream)),
      up_{&client_, &upstream_, std::move(client_leftover)},
      down_{&upstream_, &client_, std::move(upstream_leftover)},
      idle_timer_(client_.get_executor()),
      idle_timeout_(idle_timeout),
      metrics_(metrics) {
    metrics_.tunnel_opened();
}

Tunnel::~Tunnel() { metrics_.tunnel_closed(); }

void Tunnel::start() {
    last_traffic_ = std::chrono::steady_clock::now();
    watch_idle();
    pump(up_);
    pump(down_);
}

void Tunnel::watch_idle() {
    // Traffic either way keeps both sides open; only a tunnel quiet both
    // ways (or a peer gone without a FIN) runs into the deadline. One timer,
    // re-armed for what is left when it fires: none per read.
    idle_timer_.expires_at(last_traffic_ + idle_timeout_);
    idle_timer_.async_wait([self = shared_from_this()](error_code ec) {
        if (ec) return;
        if (std::chrono::steady_clock::now() < self->last_traffic_ + self->idle_timeout_) return self->watch_idle();
        error_code ignored;
        self->client_.close(ignored);
        self->upstream_.close(ignored);
    });
}

void Tunnel::pump(Direction& d) {
    auto self = shared_from_this();
    if (!d.leftover.empty()) {
        // What arrived with the handshake goes first.
        return net::async_write(*d.to, net::buffer(d.leftover), [self, &d](error_code ec, std::size_t) {
            d.leftover.clear();
            if (ec) return self->finish(d);
            self->pump(d);
        });
    }
    d.from->async_read_some(net::buffer(d.buffer), [self, &d](error_code ec, std::size_t bytes) {
        self->on_read(d, ec, bytes);
    });
}

void Tunnel::on_read(Direction& d, error_code ec, std::size_t bytes) {
    if (ec) return finish(d);
    last_traffic_ = std::chrono::steady_clock::now();
    auto self = shared_from_this();
    net::async_write(*d.to, net::buffer(d.buffer.data(), bytes), [self, &d](error_code ec, std::size_t) {
        if (ec) return self->finish(d);
        self->pump(d);
    });
}

void Tunnel::finish(Direction& d) {
    // One side is done: pass the half-close on; when both are done, close.
    d.done = true;
    error_code ignored;
    d.to->shutdown(net::ip::tcp::socket::shutdown_send, ignored);
    if (up_.done && down_.done) {
        client_.close(ignored);
        upstream_.close(ignored);
        idle_timer_.cancel();
    }
}

}  // namespace sessiongate::proxy
