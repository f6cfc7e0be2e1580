// One client connection and the requests it carries, relayed to the upstream.
//
// States of the connection:
//   between      waiting for a request and reading its head (HeadReader:
//                idle, parked, read_head)
//   exchange     session load (ConnectionSession), then the request leg
//                (RequestRelay) and the response leg (ResponseRelay) at once,
//                then the session save; or a local answer
//   closing      a lingering close after a refusal, or closed
// Pipelined requests wait in the read buffer, so answers go out in order.
//
// One deadline per connection (`arm`), for whatever the connection waits on
// now, checked by the worker's coarse tick: no timer per read or write. When
// it passes, `on_timeout` answers (408, 504) or closes, and every operation
// started before is ignored when it completes (the epoch moved on).
#pragma once

#include "proxy/buffer_pool.hpp"
#include "proxy/header_rewrite.hpp"
#include "proxy/connection_session.hpp"
#include "proxy/exchange.hpp"
#include "proxy/form_token_reader.hpp"
#include "proxy/head_reader.hpp"
#include "proxy/request_relay.hpp"
#include "proxy/response_relay.hpp"
#include "proxy/worker.hpp"

#include <boost/json/object.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace sessiongate::proxy {

class ClientConnection : public std::enable_shared_from_this<ClientConnection> {
public:
    /// What the connection's one deadline guards.
    enum class Wait {
        Nothing, Idle, Head, ClientBody, ClientWrite,
        Connect, UpstreamWrite, UpstreamResponse, UpstreamBody, Linger,
    };

    ClientConnection(Worker& worker, Socket socket);
    ~ClientConnection();

    void start();
    /// Closes the connection if it waits for a request (draining); else no-op.
    void close_if_idle();
    /// The worker's tick: the deadline, and parking an idle connection.
    void on_tick(Clock::time_point now);

private:
    friend class HeadReader;
    friend class RequestRelay;
    friend class ResponseRelay;
    friend class ConnectionSession;
    friend class FormTokenReader;

    void on_handshake(boost::beast::error_code ec);
    void arm(Wait what, std::chrono::milliseconds timeout);
    void on_timeout(Wait what);

    /// Wraps a completion handler: it runs only if the connection is still in
    /// the epoch it was started in, and keeps the connection alive until then.
    template <class Handler>
    auto guarded(Handler handler) {
        return [self = shared_from_this(), epoch = epoch_, handler = std::move(handler)](auto&&... args) mutable {
            if (epoch == self->epoch_) handler(std::forward<decltype(args)>(args)...);
        };
    }

    // exchange end, local answers, closing
    void finish_exchange();
    /// `body`: text/plain; empty = the status's reason phrase.
    void respond_locally(unsigned status, std::string_view reason, bool close_after = true,
                         const std::vector<session::Header>& headers = {}, std::string_view body = {});
    /// `detail`: what the error code cannot say (why a certificate was refused).
    void upstream_failed(boost::beast::error_code ec, std::string_view during, std::string_view detail = {});
    void drop_upstream();
    void close();
    /// After a whole exchange: TLS says close_notify first (see .cpp).
    void close_after_exchange();
    void close_lingering();
    void on_lingering_read(boost::beast::error_code ec, std::size_t bytes);
    void log_request();
    /// Fields every log line of the current request carries.
    boost::json::object log_fields(boost::json::object more = {}) const;
    const config::Config& config() const { return *settings_->config; }

    Worker& worker_;
    SettingsPtr settings_;  // fixed for the whole request
    Stream client_;
    boost::asio::ip::address peer_address_;
    std::string peer_ip_;
    bool peer_trusted_ = false;
    Buffer in_;  // bytes from the client not yet used
    HeadReader reader_{*this};
    ExchangePool::Ptr ex_;  // none between requests: an idle connection stays small
    RequestRelay request_relay_{*this};
    FormTokenReader form_token_reader_{*this};
    ResponseRelay response_relay_{*this};
    ConnectionSession session_{*this};

    std::uint64_t epoch_ = 0;
    Wait waiting_ = Wait::Nothing;
    Clock::time_point deadline_{};
    bool closed_ = false;
    std::size_t linger_budget_ = 0;  // bytes a lingering close still reads
    std::string local_answer_;
};

}  // namespace sessiongate::proxy
