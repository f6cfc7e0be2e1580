#include "proxy/admin.hpp"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/asio/post.hpp>

#include <ctime>
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

http::response<http::string_body> api_answer(const http::request<http::string_body>& req, AdminResponse api) {
    http::response<http::string_body> res{static_cast<http::status>(api.status), 11};
    res.set(http::field::content_type, "application/json");
    res.set(http::field::cache_control, "no-store");
    if (api.status == 401) res.set(http::field::www_authenticate, "Bearer");
    if (!api.allow.empty()) res.set(http::field::allow, api.allow);
    res.body() = std::move(api.body);
    res.body() += '\n';
    res.keep_alive(req.keep_alive());
    res.prepare_payload();
    return res;
}

// One admin client: small requests, answered one after another.
class AdminSession : public std::enable_shared_from_this<AdminSession> {
public:
    AdminSession(net::ip::tcp::socket socket, std::shared_ptr<AdminListener> listener, SharedState& shared,
                 const ReadinessProbe& readiness, AdminApi& api, net::thread_pool& pool,
                 const std::function<config::ConfigPtr()>& settings)
        : stream_(std::move(socket)), listener_(std::move(listener)), shared_(shared), readiness_(readiness),
          api_(api), pool_(pool), settings_(settings) {}

    void do_read() {
        request_ = {};
        stream_.expires_after(std::chrono::seconds(10));
        http::async_read(stream_, buffer_, request_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
            if (ec) return self->stream_.close();
            if (AdminApi::serves(self->request_.target())) return self->call_api();
            self->write(answer(self->request_, self->shared_, self->readiness_));
        });
    }

private:
    // The call may wait for the store: it runs on the pool, and the answer
    // is written back on this connection's I/O thread.
    void call_api() {
        stream_.expires_never();
        AdminRequest request{std::string(request_.method_string()), std::string(request_.target()),
                             std::string(request_[http::field::authorization]), std::move(request_.body())};
        const auto limits = AdminApiLimits::of(*settings_());
        net::post(pool_, [self = shared_from_this(), request = std::move(request), limits] {
            auto result = self->api_.handle(request, limits, static_cast<std::int64_t>(std::time(nullptr)));
            net::post(self->stream_.get_executor(), [self, result = std::move(result)]() mutable {
                self->write(api_answer(self->request_, std::move(result)));
            });
        });
    }

    void write(http::response<http::string_body> response) {
        response_ = std::move(response);
        stream_.expires_after(std::chrono::seconds(10));
        http::async_write(stream_, response_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
            if (ec || !self->response_.keep_alive()) return self->stream_.close();
            self->do_read();
        });
    }

    beast::tcp_stream stream_;
    beast::flat_buffer buffer_{8192};
    http::request<http::string_body> request_;
    http::response<http::string_body> response_;
    std::shared_ptr<AdminListener> listener_;  // keeps the API and its pool alive
    SharedState& shared_;
    const ReadinessProbe& readiness_;
    AdminApi& api_;
    net::thread_pool& pool_;
    const std::function<config::ConfigPtr()>& settings_;
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
                             std::shared_ptr<const ReadinessProbe> readiness, std::unique_ptr<AdminApi> api,
                             std::function<config::ConfigPtr()> settings)
    : ioc_(ioc),
      acceptor_(bind_acceptor(ioc, where)),
      shared_(shared),
      readiness_(std::move(readiness)),
      api_(std::move(api)),
      settings_(std::move(settings)) {}

void AdminListener::start() { do_accept(); }

void AdminListener::stop() {
    beast::error_code ignored;
    acceptor_.close(ignored);
}

void AdminListener::do_accept() {
    acceptor_.async_accept(ioc_, [self = shared_from_this()](beast::error_code ec, net::ip::tcp::socket socket) {
        if (ec == net::error::operation_aborted || !self->acceptor_.is_open()) return;
        if (!ec)
            std::make_shared<AdminSession>(std::move(socket), self, self->shared_, *self->readiness_, *self->api_,
                                           self->api_pool_, self->settings_)
                ->do_read();
        self->do_accept();
    });
}

}  // namespace sessiongate::proxy
