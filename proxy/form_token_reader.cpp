#include "proxy/form_token_reader.hpp"

#include "proxy/connection.hpp"
#include "proxy/message_rules.hpp"

#include <boost/asio/write.hpp>

#include <algorithm>
#include <string_view>

namespace sessiongate::proxy {

namespace net = boost::asio;
namespace beast = boost::beast;
using Wait = ClientConnection::Wait;

void FormTokenReader::start() {
    auto& ex = *c_.ex_;
    field_.emplace();
    scanned_ = 0;
    bound_ = 0;
    switch (ex.request_framing) {
    case BodyFraming::Length:
        bound_ = static_cast<std::size_t>(std::min<std::uint64_t>(ex.request_left, c_.config().csrf.max_form_bytes));
        break;
    case BodyFraming::Chunked: return done(std::nullopt);  // see the header
    case BodyFraming::None:
    case BodyFraming::UntilClose: break;
    }
    if (!ex.expects_continue || ex.continue_relayed || c_.in_.size() >= bound_) return scan();
    // A client waiting for 100 Continue sends no body until told: the body
    // is wanted here before the upstream sees the request, so the proxy
    // says it (the upstream's own 100 is then dropped as a repeat).
    ex.continue_relayed = true;
    c_.arm(Wait::ClientWrite, c_.config().timeouts.request_body);
    net::async_write(c_.client_, net::buffer(continue_head.data(), continue_head.size()),
                     c_.guarded([this](beast::error_code ec, std::size_t n) {
                         if (ec) return c_.close();
                         c_.ex_->bytes_out += n;
                         scan();
                     }));
}

void FormTokenReader::scan() {
    // Only this request's body: the buffer may hold a pipelined next request.
    const auto available = std::min(c_.in_.size(), bound_);
    field_->feed(c_.in_.data().substr(scanned_, available - scanned_));
    scanned_ = available;
    if (field_->found()) return done(field_->value());
    if (scanned_ < bound_) return do_read();
    // The bound is reached: a token that ends here is whole only when the
    // body ends here too.
    if (bound_ == c_.ex_->request_left) {
        field_->finish();
        if (field_->found()) return done(field_->value());
    }
    done(std::nullopt);
}

void FormTokenReader::do_read() {
    auto& in = c_.in_;
    in.reserve(c_.worker_.buffers, bound_);
    // Never more than the bound: the rest of a large body is read as it is
    // forwarded, a block at a time.
    const auto room = std::min(in.space_size(), bound_ - in.size());
    c_.arm(Wait::ClientBody, c_.config().timeouts.request_body);
    c_.client_.async_read_some(net::buffer(in.space(), room),
                               c_.guarded([this](beast::error_code ec, std::size_t n) { on_read(ec, n); }));
}

void FormTokenReader::on_read(beast::error_code ec, std::size_t bytes) {
    if (ec) {
        c_.ex_->log_note = "client closed during request body";
        c_.log_request();
        return c_.close();
    }
    c_.in_.commit(bytes);
    scan();
}

void FormTokenReader::done(std::optional<std::string_view> token) {
    const bool passed = c_.session_.on_form_token(token);
    field_.reset();
    if (passed) c_.request_relay_.forward();
}

}  // namespace sessiongate::proxy
