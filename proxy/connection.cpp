// Client side of ClientConnection: idle and parked waits, reading and
// checking request heads, the one deadline, local answers, keep-alive and
// closing. The exchange itself: request_relay.cpp, response_relay.cpp and
// connection_session.cpp.
#include "proxy/connection.hpp"

#include "base/http_text.hpp"
#include "proxy/access_log.hpp"
#include "proxy/log.hpp"
#include "proxy/message_rules.hpp"
#include "proxy/request_head.hpp"

#include <boost/asio/write.hpp>
#include <boost/beast/http/write.hpp>

namespace sessiongate::proxy {

namespace net = boost::asio;
namespace beast = boost::beast;
using std::chrono::milliseconds;

namespace {

constexpr auto linger_time = std::chrono::seconds(2);

}  // namespace

ClientConnection::ClientConnection(Worker& worker, Socket socket)
    : worker_(worker),
      settings_(worker.settings),
      client_(settings_->listener_tls ? Stream(std::move(socket), settings_->listener_tls) : Stream(std::move(socket))) {
    worker_.connections.insert(this);
    worker_.shared.metrics.connection_accepted();
}

ClientConnection::~ClientConnection() {
    worker_.connections.erase(this);
    worker_.shared.metrics.connection_closed();
}

void ClientConnection::start() {
    beast::error_code ec;
    auto peer = client_.socket().remote_endpoint(ec);
    if (ec) return;  // already gone
    peer_address_ = peer.address();
    peer_ip_ = peer_address_.to_string();
    client_.socket().set_option(net::ip::tcp::no_delay(true), ec);
    if (!client_.is_tls()) return reader_.start();
    // The handshake counts against the head's time: a client that opens a
    // connection and stalls is closed as a slow head would be.
    arm(Wait::Head, config().timeouts.request_header);
    client_.async_handshake(Stream::HandshakeType::server,
                            guarded([this](beast::error_code ec) { on_handshake(ec); }));
}

void ClientConnection::on_handshake(beast::error_code ec) {
    if (ec) {
        // Scanners, old clients, a certificate the client does not trust:
        // routine on a public port, so info rather than error.
        log_event("tls_handshake_failed", {{"peer", peer_ip_}, {"error", ec.message()}});
        return close();
    }
    reader_.start();
}

void ClientConnection::close_if_idle() {
    if (reader_.idle()) close();
}

// -- the deadline ------------------------------------------------------------

void ClientConnection::arm(Wait what, milliseconds timeout) {
    waiting_ = what;
    deadline_ = Clock::now() + timeout;
}

void ClientConnection::on_tick(Clock::time_point now) {
    if (waiting_ != Wait::Nothing && now >= deadline_) return on_timeout(std::exchange(waiting_, Wait::Nothing));
    session_.on_tick(now);
    reader_.on_tick(now);
}

void ClientConnection::on_timeout(Wait what) {
    ++epoch_;  // whatever was pending belongs to a step that is over
    switch (what) {
    case Wait::Head:
        if (in_.empty()) return close();  // not a byte: nothing to answer
        return respond_locally(408, "request head not received in time");
    case Wait::ClientBody:
        if (ex_->response_started) return close();
        return respond_locally(408, "request body not received in time");
    case Wait::Connect: return upstream_failed(beast::error::timeout, "connect");
    case Wait::UpstreamWrite: return upstream_failed(beast::error::timeout, "send request");
    case Wait::UpstreamResponse: return upstream_failed(beast::error::timeout, "read response head");
    case Wait::UpstreamBody: return upstream_failed(beast::error::timeout, "read response body");
    case Wait::ClientWrite:
        ex_->log_note = "client too slow to read the response";
        log_request();
        return close();
    case Wait::Idle:
    case Wait::Linger:
    case Wait::Nothing: return close();
    }
}

// -- exchange end, local answers and closing ---------------------------------------

void ClientConnection::finish_exchange() {
    ++epoch_;  // nothing of this exchange runs on
    waiting_ = Wait::Nothing;
    bool keep_alive = ex_->keep_alive;
    bool read_whole = ex_->request_read_whole();
    ex_.reset();
    if (!keep_alive) return read_whole ? close_after_exchange() : close_lingering();
    reader_.next();
}

void ClientConnection::respond_locally(unsigned status, std::string_view reason, bool close_after,
                                       const std::vector<session::Header>& headers, std::string_view text) {
    if (!ex_) ex_ = worker_.exchanges.make();
    auto& ex = *ex_;
    if (ex.request_id.empty()) ex.request_id = new_request_id();  // refused before it was named
    ++epoch_;
    drop_upstream();  // an abandoned exchange: never reuse that upstream connection
    beast::error_code ignored;
    client_.cancel(ignored);
    ex.status = status;
    ex.log_note = std::string(reason);
    ex.keep_alive = ex.keep_alive && !close_after;
    const auto phrase = std::string(http::obsolete_reason(static_cast<http::status>(status)));
    const auto body = text.empty() ? phrase + "\n" : std::string(text);
    std::string extra;
    for (const auto& [name, value] : headers) extra += "\r\n" + name + ": " + value;
    local_answer_ = "HTTP/1.1 " + std::to_string(status) + " " + phrase +
                    "\r\nContent-Type: text/plain; charset=utf-8\r\nCache-Control: no-store\r\nContent-Length: " +
                    std::to_string(body.size()) + extra +
                    (ex.keep_alive ? "\r\nConnection: keep-alive\r\n\r\n" : "\r\nConnection: close\r\n\r\n") + body;
    ex.response_started = true;
    arm(Wait::ClientWrite, config().timeouts.request_body);
    net::async_write(client_, net::buffer(local_answer_),
                     guarded([this](beast::error_code ec, std::size_t bytes) {
                         ex_->bytes_out += bytes;
                         log_request();
                         if (ec) return close();
                         finish_exchange();
                     }));
}

void ClientConnection::upstream_failed(beast::error_code ec, std::string_view during, std::string_view detail) {
    bool timed_out = ec == beast::error::timeout;
    worker_.shared.metrics.upstream_error();
    auto fields = log_fields({{"during", during}, {"error", ec.message()}, {"upstream", config().upstream.url()}});
    if (!detail.empty()) fields["detail"] = detail;
    log_error("upstream_error", std::move(fields));
    if (ex_->response_started) {
        // The head is out: all we can do is cut the client off too, so it
        // sees a truncated response, never a wrong one.
        ex_->log_note = std::string("upstream failed: ") + std::string(during);
        log_request();
        return close();
    }
    // The request was read whole: the client connection can go on (as nginx).
    bool close_after = !ex_->request_read_whole();
    respond_locally(timed_out ? 504 : 502, timed_out ? "upstream timed out" : "upstream failed", close_after);
}

void ClientConnection::drop_upstream() {
    if (!ex_ || !ex_->upstream) return;
    beast::error_code ignored;
    ex_->upstream->close(ignored);
    ex_->upstream.reset();
}

void ClientConnection::close() {
    if (closed_) return;
    closed_ = true;
    ++epoch_;
    waiting_ = Wait::Nothing;
    drop_upstream();
    beast::error_code ignored;
    client_.shutdown(net::ip::tcp::socket::shutdown_both, ignored);
    client_.close(ignored);
}

void ClientConnection::close_after_exchange() {
    // Over TLS the end of a response delimited by the close (an HTTP/1.0
    // client's) is told from a cut only by close_notify. Nothing else is in
    // flight on the stream here; the client's answer is waited for a moment,
    // then the deadline closes the socket anyway.
    if (!client_.is_tls()) return close();
    arm(Wait::Linger, std::chrono::duration_cast<milliseconds>(linger_time));
    client_.async_shutdown(guarded([this](beast::error_code) { close(); }));
}

void ClientConnection::close_lingering() {
    // After a refusal the client may still be sending: stop sending, then
    // drain what arrives for a moment, so our answer is not lost to a TCP
    // reset (nginx's lingering close).
    beast::error_code ec;
    client_.shutdown(net::ip::tcp::socket::shutdown_send, ec);
    if (ec) return close();
    arm(Wait::Linger, std::chrono::duration_cast<milliseconds>(linger_time));
    linger_budget_ = std::size_t(1) << 20;
    on_lingering_read({}, 0);
}

void ClientConnection::on_lingering_read(beast::error_code ec, std::size_t bytes) {
    if (ec || bytes >= linger_budget_) return close();
    linger_budget_ -= bytes;
    in_.reserve(worker_.buffers, BufferPool::block_size);
    in_.clear();
    client_.async_read_some(net::buffer(in_.space(), in_.space_size()),
                            guarded([this](beast::error_code ec, std::size_t n) { on_lingering_read(ec, n); }));
}

boost::json::object ClientConnection::log_fields(boost::json::object more) const {
    if (ex_) {
        more["request_id"] = ex_->request_id;
        more["path"] = logged_path(ex_->target, config().log.query);
    }
    return more;
}

void ClientConnection::log_request() {
    auto& ex = *ex_;
    auto& metrics = worker_.shared.metrics;
    metrics.request_finished(ex.method, ex.status, Clock::now() - ex.started);
    if (ex.upstream_first_byte != Clock::time_point{})
        metrics.upstream_first_byte(ex.upstream_first_byte - ex.upstream_started);
    if (!config().log.access || !log_enabled(config::LogLevel::Info)) return;
    using std::chrono::duration_cast;
    using std::chrono::microseconds;
    AccessFacts facts;
    facts.request_id = ex.request_id;
    facts.client = ex.client.empty() ? peer_ip_ : ex.client;  // refused before its head was read
    facts.method = ex.method;
    facts.host = ex.host;
    facts.target = ex.target;
    facts.status = ex.status;
    facts.bytes_in = ex.bytes_in;
    facts.bytes_out = ex.bytes_out;
    facts.duration = duration_cast<microseconds>(Clock::now() - ex.started);
    if (ex.upstream_first_byte != Clock::time_point{})
        facts.upstream = duration_cast<microseconds>(ex.upstream_first_byte - ex.upstream_started);
    facts.user_agent = ex.user_agent;
    if (ex.session) {
        facts.session_handle = ex.session->handle();
        if (auto told = ex.session->state_told()) facts.session_state = session::to_string(*told);
        facts.session_event = session::to_string(ex.session->event());
    }
    facts.note = ex.log_note;
    log_event("request", access_line(facts, config().log.query));
}

}  // namespace sessiongate::proxy
