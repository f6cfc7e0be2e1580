// Client side of ClientConnection: idle and parked waits, reading and
// checking request heads, the one deadline, local answers, keep-alive and
// closing. The exchange itself: request_relay.cpp, response_relay.cpp and
// connection_session.cpp.
#include "proxy/connection.hpp"

#include "base/http_text.hpp"
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

// An idle connection keeps its buffer this long (a keep-alive client's next
// request usually comes sooner), then parks without one.
constexpr auto park_after = milliseconds(200);
constexpr auto linger_time = std::chrono::seconds(2);

// absolute-form (RFC 9112 3.2.2) to origin-form; `authority` receives the
// target's authority. Empty when the target is not http(s)://authority[/...].
std::string origin_form(std::string_view target, std::string& authority) {
    auto scheme_end = target.find("://");
    if (scheme_end == std::string_view::npos) return {};
    auto scheme = target.substr(0, scheme_end);
    if (!text::equals_ignoring_case(scheme, "http") && !text::equals_ignoring_case(scheme, "https")) return {};
    auto rest = target.substr(scheme_end + 3);
    auto path_start = rest.find_first_of("/?");
    authority = std::string(rest.substr(0, path_start));
    if (authority.empty() || authority.find('@') != std::string::npos) return {};
    if (path_start == std::string_view::npos) return "/";
    std::string origin(rest.substr(path_start));
    if (origin.front() == '?') origin.insert(origin.begin(), '/');
    return origin;
}

}  // namespace

ClientConnection::ClientConnection(Worker& worker, Socket socket)
    : worker_(worker), settings_(worker.settings), client_(std::move(socket)) {
    worker_.connections.insert(this);
    worker_.shared.metrics.connections_open.fetch_add(1, std::memory_order_relaxed);
    Metrics::add(worker_.shared.metrics.connections_accepted);
}

ClientConnection::~ClientConnection() {
    worker_.connections.erase(this);
    worker_.shared.metrics.connections_open.fetch_sub(1, std::memory_order_relaxed);
}

void ClientConnection::start() {
    beast::error_code ec;
    auto peer = client_.remote_endpoint(ec);
    if (ec) return;  // already gone
    peer_address_ = peer.address();
    peer_ip_ = peer_address_.to_string();
    client_.set_option(net::ip::tcp::no_delay(true), ec);
    // A new connection waits without a buffer, as a parked one does, but
    // the head's time runs from the accept.
    head_started_ = idle_since_ = Clock::now();
    arm(Wait::Head, config().timeouts.request_header);
    idle_ = parked_ = true;
    client_.async_read_some(net::buffer(&first_byte_, 1),
                            guarded([this](beast::error_code ec, std::size_t n) { on_first_byte(ec, n); }));
}

void ClientConnection::close_if_idle() {
    if (idle_) close();
}

// -- the deadline ------------------------------------------------------------

void ClientConnection::arm(Wait what, milliseconds timeout) {
    waiting_ = what;
    deadline_ = Clock::now() + timeout;
}

void ClientConnection::on_tick(Clock::time_point now) {
    if (waiting_ != Wait::Nothing && now >= deadline_) return on_timeout(std::exchange(waiting_, Wait::Nothing));
    if (idle_ && !parked_ && !parking_ && now - idle_since_ >= park_after) {
        // The pending read gives the buffer back when it is cancelled
        // (on_idle_read); bytes it already took are kept.
        parking_ = true;
        beast::error_code ignored;
        client_.cancel(ignored);
    }
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

// -- idle ----------------------------------------------------------------------

void ClientConnection::go_idle() {
    if (worker_.shared.draining.load(std::memory_order_relaxed)) return close();
    idle_ = true;
    idle_since_ = Clock::now();
    arm(Wait::Idle, config().timeouts.keepalive);
    in_.reserve(worker_.buffers, BufferPool::block_size);
    client_.async_read_some(net::buffer(in_.space(), in_.space_size()),
                            guarded([this](beast::error_code ec, std::size_t n) { on_idle_read(ec, n); }));
}

void ClientConnection::on_idle_read(beast::error_code ec, std::size_t bytes) {
    if (ec == net::error::operation_aborted && parking_) {
        // Parked: the buffer goes back; one byte of room is all a wait needs.
        parking_ = false;
        parked_ = true;
        in_.release();
        return client_.async_read_some(net::buffer(&first_byte_, 1),
                                       guarded([this](beast::error_code ec, std::size_t n) { on_first_byte(ec, n); }));
    }
    idle_ = parking_ = false;
    if (ec) return close();  // closed, reset, or draining
    in_.commit(bytes);
    head_started_ = Clock::now();
    arm(Wait::Head, config().timeouts.request_header);
    scan_head();
}

void ClientConnection::on_first_byte(beast::error_code ec, std::size_t bytes) {
    idle_ = parked_ = false;
    if (ec || bytes == 0) return close();
    if (!first_request_) {
        head_started_ = Clock::now();
        arm(Wait::Head, config().timeouts.request_header);
    }
    in_.reserve(worker_.buffers, BufferPool::block_size);
    *in_.space() = first_byte_;
    in_.commit(1);
    scan_head();
}

// -- read_head -------------------------------------------------------------------

void ClientConnection::do_read_head() {
    // A pooled block holds any usual head; only a limit above its size
    // makes the buffer grow, and only for a head that needs it.
    auto limit = config().limits.max_request_header_bytes;
    in_.reserve(worker_.buffers, in_.has_storage() && in_.space_size() == 0 ? limit + 1 : BufferPool::block_size);
    // Read one byte past the limit so "too large" is seen, not waited for.
    auto room = std::min(in_.space_size(), limit + 1 - std::min(limit, in_.size()));
    client_.async_read_some(net::buffer(in_.space(), room),
                            guarded([this](beast::error_code ec, std::size_t n) { on_head_read(ec, n); }));
}

void ClientConnection::on_head_read(beast::error_code ec, std::size_t bytes) {
    if (ec) return close();  // closed or reset mid-head: nobody to answer
    in_.commit(bytes);
    scan_head();
}

void ClientConnection::scan_head() {
    if (auto skip = leading_empty_lines(in_.data())) {
        in_.consume(skip);
        scanned_ = 0;
    }
    auto limit = config().limits.max_request_header_bytes;
    if (auto end = find_head_end(in_.data(), scanned_)) {
        scanned_ = 0;
        if (end->malformed) return respond_locally(400, "bare LF in request head");
        if (end->length > limit) return respond_locally(431, "request head too large");
        return on_head_complete(end->length);
    }
    scanned_ = in_.size();
    if (in_.size() > limit) return respond_locally(431, "request head too large");
    do_read_head();
}

void ClientConnection::on_head_complete(std::size_t length) {
    ex_ = std::make_unique<Exchange>();
    auto& ex = *ex_;
    settings_ = worker_.settings;  // a reload applies from the next request on
    peer_trusted_ = settings_->trusted.contains(peer_address_);
    Metrics::add(worker_.shared.metrics.requests);
    const auto& limits = config().limits;

    auto head = in_.data().substr(0, length);
    auto verdict = check_request_head(head);
    if (!verdict.ok()) return respond_locally(verdict.status, verdict.reason);
    auto& parser = ex.request.emplace();
    parser.header_limit(static_cast<std::uint32_t>(limits.max_request_header_bytes));
    parser.body_limit(limits.max_request_body_bytes);
    beast::error_code ec;
    parser.put(net::buffer(head.data(), head.size()), ec);
    in_.consume(length);
    ex.bytes_in = length;
    if (ec == http::error::body_limit) return respond_locally(413, "request body too large");
    if (ec || !parser.is_header_done()) return respond_locally(400, "malformed request head");

    auto& req = parser.get();
    ex.method = std::string(req.method_string());
    ex.target = std::string(req.target());
    ex.head_request = req.method() == http::verb::head;
    ex.keep_alive = req.keep_alive();
    ex.websocket = is_websocket_upgrade(req);
    if (req.method() == http::verb::connect) return respond_locally(405, "CONNECT not supported");
    if (ex.target.front() != '/' && !(ex.target == "*" && req.method() == http::verb::options)) {
        // absolute-form: sent on in origin-form; the target's authority replaces Host.
        std::string authority;
        auto origin = origin_form(ex.target, authority);
        if (origin.empty() || !is_valid_host(authority)) return respond_locally(400, "malformed request target");
        req.target(origin);
        req.set(http::field::host, authority);
        ex.target = origin;
    }
    auto expect = req[http::field::expect];
    ex.expects_continue = text::equals_ignoring_case(expect, "100-continue");
    if (!expect.empty() && !ex.expects_continue) return respond_locally(417, "unsupported Expect");

    // A trusted proxy in front names the request; anyone else gets our name for it.
    auto sent_id = req["X-Request-Id"];
    ex.request_id = peer_trusted_ && is_sane_request_id(sent_id) ? std::string(sent_id) : new_request_id();
    req.set("X-Request-Id", ex.request_id);

    session_.on_request_head(req, std::string_view(ex.target).substr(0, ex.target.find('?')));

    if (parser.chunked()) {
        ex.request_framing = BodyFraming::Chunked;
        // Raw bytes first: the strict framing check runs before Beast parses.
        if (!request_relay_.take_client_bytes(in_.size())) return;
    } else if (auto n = parser.content_length(); n && *n > 0) {
        ex.request_framing = BodyFraming::Length;
        ex.request_left = *n;
    }
    session_.load();
}

// -- exchange end, local answers and closing ---------------------------------------

void ClientConnection::finish_exchange() {
    ++epoch_;  // nothing of this exchange runs on
    waiting_ = Wait::Nothing;
    bool keep_alive = ex_->keep_alive;
    bool read_whole = ex_->request_read_whole();
    ex_.reset();
    first_request_ = false;
    if (!keep_alive) return read_whole ? close() : close_lingering();
    if (in_.empty()) return go_idle();
    // A pipelined request is here already: its head's time starts now.
    head_started_ = Clock::now();
    arm(Wait::Head, config().timeouts.request_header);
    scan_head();
}

void ClientConnection::respond_locally(unsigned status, std::string_view reason, bool close_after) {
    if (!ex_) ex_ = std::make_unique<Exchange>();
    auto& ex = *ex_;
    ++epoch_;
    drop_upstream();  // an abandoned exchange: never reuse that upstream connection
    beast::error_code ignored;
    client_.cancel(ignored);
    ex.status = status;
    ex.log_note = std::string(reason);
    ex.keep_alive = ex.keep_alive && !close_after;
    if (status >= 400 && status < 500) Metrics::add(worker_.shared.metrics.rejected_requests);
    auto body = std::string(http::obsolete_reason(static_cast<http::status>(status))) + "\n";
    local_answer_ = "HTTP/1.1 " + std::to_string(status) + " " + body.substr(0, body.size() - 1) +
                    "\r\nContent-Type: text/plain; charset=utf-8\r\nCache-Control: no-store\r\nContent-Length: " +
                    std::to_string(body.size()) +
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

void ClientConnection::upstream_failed(beast::error_code ec, std::string_view during) {
    bool timed_out = ec == beast::error::timeout;
    Metrics::add(worker_.shared.metrics.upstream_errors);
    log_error("upstream_error", log_fields({{"during", during},
                                            {"error", ec.message()},
                                            {"upstream", config().upstream.url()}}));
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
    idle_ = false;
    drop_upstream();
    beast::error_code ignored;
    client_.shutdown(net::ip::tcp::socket::shutdown_both, ignored);
    client_.close(ignored);
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
        more["target"] = ex_->target.size() > 512 ? ex_->target.substr(0, 512) : ex_->target;
    }
    return more;
}

void ClientConnection::log_request() {
    auto& ex = *ex_;
    auto& metrics = worker_.shared.metrics;
    if (ex.status >= 100 && ex.status < 600) Metrics::add(metrics.responses_by_class[ex.status / 100]);
    if (!config().log.access || !log_enabled(config::LogLevel::Info)) return;
    auto elapsed = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - ex.started);
    auto line = log_fields({
        {"method", ex.method},
        {"status", ex.status},
        {"peer", peer_ip_},
        {"duration_us", elapsed.count()},
        {"bytes_in", ex.bytes_in},
        {"bytes_out", ex.bytes_out},
        {"session_state", session::to_string(ex.session.state)},
    });
    if (ex.upstream_first_byte != Clock::time_point{})
        line["upstream_us"] =
            std::chrono::duration_cast<std::chrono::microseconds>(ex.upstream_first_byte - ex.started).count();
    if (ex.session.state == session::SessionState::Active) line["session"] = ex.session.record.handle;
    if (!ex.log_note.empty()) line["note"] = ex.log_note;
    log_event("request", std::move(line));
}

}  // namespace sessiongate::proxy
