// Between exchanges: idle and parked waits, then the request head read,
// checked and parsed. See head_reader.hpp for its states.
#include "proxy/head_reader.hpp"

#include "base/http_text.hpp"
#include "proxy/access_log.hpp"
#include "proxy/connection.hpp"
#include "proxy/message_rules.hpp"
#include "proxy/request_head.hpp"

namespace sessiongate::proxy {

namespace net = boost::asio;
namespace beast = boost::beast;
using Wait = ClientConnection::Wait;

namespace {
// An idle connection keeps its buffer this long, then parks without one.
constexpr auto park_after = std::chrono::milliseconds(200);
}  // namespace

void HeadReader::start() {
    // The first head's time runs from the accept.
    c_.arm(Wait::Head, c_.config().timeouts.request_header);
    idle_ = true;
    idle_since_ = Clock::now();
    park();
}

void HeadReader::next() {
    first_request_ = false;
    if (c_.in_.empty()) return go_idle();
    // A pipelined request is here already: its head's time starts now.
    c_.arm(Wait::Head, c_.config().timeouts.request_header);
    scan();
}

void HeadReader::on_tick(Clock::time_point now) {
    if (!idle_ || parked_ || parking_ || now - idle_since_ < park_after) return;
    // The pending read gives the buffer back when it is cancelled
    // (on_idle_read); bytes it took already are kept.
    parking_ = true;
    beast::error_code ignored;
    c_.client_.cancel(ignored);
}

// -- idle and parked ---------------------------------------------------------

void HeadReader::go_idle() {
    if (c_.worker_.shared.draining.load(std::memory_order_relaxed)) return c_.close();
    idle_ = true;
    idle_since_ = Clock::now();
    c_.arm(Wait::Idle, c_.config().timeouts.keepalive);
    auto& in = c_.in_;
    in.reserve(c_.worker_.buffers, BufferPool::block_size);
    c_.client_.async_read_some(net::buffer(in.space(), in.space_size()),
                               c_.guarded([this](beast::error_code ec, std::size_t n) { on_idle_read(ec, n); }));
}

void HeadReader::on_idle_read(beast::error_code ec, std::size_t bytes) {
    if (ec == net::error::operation_aborted && parking_) return park();
    idle_ = parking_ = false;  // a read that won the race with parking counts
    if (ec) return c_.close();  // closed, reset, or draining
    c_.in_.commit(bytes);
    c_.arm(Wait::Head, c_.config().timeouts.request_header);
    scan();
}

void HeadReader::park() {
    // The buffer goes back; one byte of room is all a wait needs.
    parking_ = false;
    parked_ = true;
    c_.in_.release();
    c_.client_.async_read_some(net::buffer(&first_byte_, 1),
                               c_.guarded([this](beast::error_code ec, std::size_t n) { on_first_byte(ec, n); }));
}

void HeadReader::on_first_byte(beast::error_code ec, std::size_t bytes) {
    idle_ = parked_ = false;
    if (ec || bytes == 0) return c_.close();
    if (!first_request_) c_.arm(Wait::Head, c_.config().timeouts.request_header);
    auto& in = c_.in_;
    in.reserve(c_.worker_.buffers, BufferPool::block_size);
    *in.space() = first_byte_;
    in.commit(1);
    scan();
}

// -- read_head -------------------------------------------------------------------

void HeadReader::do_read_head() {
    // A pooled block holds any usual head; only a limit above its size
    // makes the buffer grow, and only for a head that needs it.
    auto& in = c_.in_;
    auto limit = c_.config().limits.max_request_header_bytes;
    in.reserve(c_.worker_.buffers, in.has_storage() && in.space_size() == 0 ? limit + 1 : BufferPool::block_size);
    // Read one byte past the limit so "too large" is seen, not waited for.
    auto room = std::min(in.space_size(), limit + 1 - std::min(limit, in.size()));
    c_.client_.async_read_some(net::buffer(in.space(), room),
                               c_.guarded([this](beast::error_code ec, std::size_t n) { on_head_read(ec, n); }));
}

void HeadReader::on_head_read(beast::error_code ec, std::size_t bytes) {
    if (ec) return c_.close();  // closed or reset mid-head: nobody to answer
    c_.in_.commit(bytes);
    scan();
}

void HeadReader::scan() {
    auto& in = c_.in_;
    if (auto skip = leading_empty_lines(in.data())) {
        in.consume(skip);
        scanned_ = 0;
    }
    auto limit = c_.config().limits.max_request_header_bytes;
    if (auto end = find_head_end(in.data(), scanned_)) {
        scanned_ = 0;
        if (end->malformed) return c_.respond_locally(400, "bare LF in request head");
        if (end->length > limit) return c_.respond_locally(431, "request head too large");
        return on_head_complete(end->length);
    }
    scanned_ = in.size();
    if (in.size() > limit) return c_.respond_locally(431, "request head too large");
    do_read_head();
}

// -- checked ---------------------------------------------------------------------

void HeadReader::on_head_complete(std::size_t length) {
    c_.ex_ = c_.worker_.exchanges.make();
    auto& ex = *c_.ex_;
    c_.settings_ = c_.worker_.settings;  // a reload applies from the next request on
    c_.peer_trusted_ = c_.settings_->trusted.contains(c_.peer_address_);
    const auto& limits = c_.config().limits;
    auto& in = c_.in_;

    auto head = in.data().substr(0, length);
    auto verdict = check_request_head(head);
    if (!verdict.ok()) return c_.respond_locally(verdict.status, verdict.reason);
    auto& parser = ex.request.emplace();
    parser.header_limit(static_cast<std::uint32_t>(limits.max_request_header_bytes));
    parser.body_limit(limits.max_request_body_bytes);
    beast::error_code ec;
    parser.put(net::buffer(head.data(), head.size()), ec);
    in.consume(length);
    ex.bytes_in = length;
    if (ec == http::error::body_limit) return c_.respond_locally(413, "request body too large");
    if (ec || !parser.is_header_done()) return c_.respond_locally(400, "malformed request head");

    auto& req = parser.get();
    ex.method = std::string(req.method_string());
    ex.target = std::string(req.target());
    ex.head_request = req.method() == http::verb::head;
    ex.keep_alive = req.keep_alive();
    ex.websocket = is_websocket_upgrade(req);
    if (req.method() == http::verb::connect) {
        // RFC 9110 15.5.6: a 405 names what the resource does take; every
        // method but CONNECT is forwarded, these are the ones RFC 9110 defines.
        static const std::vector<session::Header> allow{{"Allow", "GET, HEAD, POST, PUT, DELETE, OPTIONS, TRACE, PATCH"}};
        return c_.respond_locally(405, "CONNECT not supported", true, allow);
    }
    if (ex.target.front() != '/' && !(ex.target == "*" && req.method() == http::verb::options)) {
        // absolute-form: sent on in origin-form; the target's authority replaces Host.
        std::string authority;
        auto origin = to_origin_form(ex.target, authority);
        if (origin.empty() || !is_valid_host(authority)) return c_.respond_locally(400, "malformed request target");
        req.target(origin);
        req.set(http::field::host, authority);
        ex.target = origin;
    }
    auto expect = req[http::field::expect];
    ex.expects_continue = text::equals_ignoring_case(expect, "100-continue");
    if (!expect.empty() && !ex.expects_continue) return c_.respond_locally(417, "unsupported Expect");

    // A trusted proxy in front names the request; anyone else gets our name for it.
    auto sent_id = req["X-Request-Id"];
    ex.request_id = c_.peer_trusted_ && is_sane_request_id(sent_id) ? std::string(sent_id) : new_request_id();
    req.set("X-Request-Id", ex.request_id);
    ex.host = std::string(req[http::field::host]);
    ex.user_agent = std::string(req[http::field::user_agent]);
    ex.client = resolve_client(c_.peer_ip_, c_.peer_trusted_, req["X-Forwarded-For"], c_.settings_->trusted);

    c_.session_.on_request_head(req, std::string_view(ex.target).substr(0, ex.target.find('?')));

    if (parser.chunked()) {
        ex.request_framing = BodyFraming::Chunked;
        // Raw bytes first: the strict framing check runs before Beast parses.
        if (!c_.request_relay_.take_client_bytes(in.size())) return;
    } else if (auto n = parser.content_length(); n && *n > 0) {
        ex.request_framing = BodyFraming::Length;
        ex.request_left = *n;
    }
    c_.session_.load();
}

}  // namespace sessiongate::proxy
