#include "proxy/admin.hpp"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <stdexcept>

namespace sessiongate::proxy {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

http::response<http::string_body> answer(const http::request<http::string_body>& req, SharedState& shared,
                                         const ReadinessProbe& readiness) {
    http::response<http::string_body> res{http::status::ok, 11};
    res.set(http::field::content_type, "text/plain; charset=utf-8");
    res.set(http::field::cache_control, "no-store");
    auto path = req.target().substr(0, req.target().find('?'));
    if (req.method() != http::verb::get && req.method() != http::verb::head) {
        res.result(http::status::method_not_allowed);
        res.body() = "method not allowed\n";
    } else if (path == "/healthz") {
        res.body() = "ok\n";
    } else if (path == "/readyz") {
        auto verdict = judge_readiness(readiness.facts());
        res.result(static_cast<http::status>(verdict.status));
        res.body() = std::move(verdict.body);
    } else if (path == "/metrics") {
        res.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
        res.body() = shared.metrics.prometheus_text();
    } else {
        res.result(http::status::not_found);
        res.body() = "not found\n";
    }
    res.keep_alive(req.keep_alive());
    res.prepare_payload();
    return res;
}

// One admin client: small requests, answered one after another.
class AdminSession : public std::enable_shared_from_this<AdminSession> {
public:
    AdminSession(net::ip::tcp::socket socket, SharedState& shared, const ReadinessProbe& readiness)
        : stream_(std::move(socket)), shared_(shared), readiness_(readiness) {}

    void do_read() {
        request_ = {};
        stream_.expires_after(std::chrono::seconds(10));
        http::async_read(stream_, buffer_, request_,
                         [self = shared_from_this()](beast::error_code ec, std::size_t) {
                             if (ec) return self->stream_.close();
                             self->response_ = answer(self->request_, self->shared_, self->readiness_);
                             http::async_write(self->stream_, self->response_,
                                               [self](beast::error_code ec, std::size_t) {
                                                   if (ec || !self->response_.keep_alive())
                                                       return self->stream_.close();
                                                   self->do_read();
                                               });
                         });
    }

private:
    beast::tcp_stream stream_;
    beast::flat_buffer buffer_{8192};
    http::request<http::string_body> request_;
    http::response<http::string_body> response_;
    SharedState& shared_;
    const ReadinessProbe& readiness_;
};

}  // namespace

net::ip::tcp::acceptor bind_acceptor(net::io_context& ioc, const config::Endpoint& where) {
    beast::error_code ec;
    auto address = net::ip::make_address(where.host, ec);
    if (ec) {
        // A name such as "localhost": resolve it once, at start.
        net::ip::tcp::resolver resolver(ioc);
        auto results = resolver.resolve(where.host, std::to_string(where.port), ec);
        if (ec || results.empty())
            throw std::runtime_error("cannot resolve " + where.text() + ": " + ec.message());
        address = results.begin()->endpoint().address();
    }
    net::ip::tcp::acceptor acceptor(ioc);
    net::ip::tcp::endpoint endpoint(address, where.port);
    acceptor.open(endpoint.protocol(), ec);
    if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor.bind(endpoint, ec);
    if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
    if (ec) throw std::runtime_error("cannot listen on " + where.text() + ": " + ec.message());
    return acceptor;
}

AdminListener::AdminListener(net::io_context& ioc, const config::Endpoint& where, SharedState& shared,
                             std::shared_ptr<const ReadinessProbe> readiness)
    : ioc_(ioc), acceptor_(bind_acceptor(ioc, where)), shared_(shared), readiness_(std::move(readiness)) {}

void AdminListener::start() { do_accept(); }

void AdminListener::stop() {
    beast::error_code ignored;
    acceptor_.close(ignored);
}

void AdminListener::do_accept() {
    acceptor_.async_accept(ioc_, [self = shared_from_this()](beast::error_code ec, net::ip::tcp::socket socket) {
        if (ec == net::error::operation_aborted || !self->acceptor_.is_open()) return;
        if (!ec) std::make_shared<AdminSession>(std::move(socket), self->shared_, *self->readiness_)->do_read();
        self->do_accept();
    });
}

}  // namespace sessiongate::proxy
