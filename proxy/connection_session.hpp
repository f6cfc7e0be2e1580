// The session moments of a client connection, in one place. Each hands the
// session step (session/session_step.hpp) what a head holds, calls the
// store when the step asks, and applies the step's answer; the step makes
// every session decision. Every store call has a deadline
// (timeouts.store), checked by the connection's tick: a store that never
// answers gets the request a 503 (or, anonymous, no session), and its late
// answer is dropped.
#pragma once

#include "session/session_step.hpp"

#include <boost/beast/http/fields.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

namespace sessiongate::proxy {

namespace http = boost::beast::http;
class ClientConnection;

class ConnectionSession {
public:
    explicit ConnectionSession(ClientConnection& connection) : c_(connection) {}

    /// Request head in: forged headers out, the step made, our cookie hidden
    /// from the upstream.
    void on_request_head(http::fields& request, std::string_view path);
    /// Loads the session if the step asks, then RequestRelay::start, or a
    /// local answer (503 when the store failed).
    void load();
    void add_request_headers(http::fields& request);
    /// The form body's CSRF token (RequestDecision::read_form_token), nullopt
    /// when it was not within csrf.max_form_bytes: true to go on, false
    /// after answering 403.
    bool on_form_token(std::optional<std::string_view> token);
    /// Response head in: control headers taken, the step's write made, then
    /// ResponseRelay::send_head, or a local answer (502 strict, 503 store).
    void save();
    void add_response_headers(http::fields& response);
    /// The connection's tick: the deadline of the store call under way.
    void on_tick(std::chrono::steady_clock::time_point now);

private:
    enum class Pending { Nothing, Load, Write };

    void on_loaded(std::optional<session::LoadResult> loaded);
    void on_saved(std::optional<session::WriteResult> written);
    /// Starts waiting for a store call: its deadline, and the callback that
    /// brings the answer to `handler` on this connection's thread, unless
    /// the call is over by then.
    template <class Result>
    std::function<void(Result)> store_call(Pending what, void (ConnectionSession::*handler)(std::optional<Result>));
    session::Deadline deadline_after_now() const;
    void log_notes(const std::vector<session::StepNote>& notes);
    void answer(const session::LocalReply& reply);

    /// Ends the wait for the store call under way; the connection's hold on
    /// itself is let go from a handler of its own, never from the tick.
    void end_call();

    ClientConnection& c_;
    /// Keeps the connection while it waits for the store, and no longer than
    /// the deadline (the store's callback holds only a weak reference).
    std::shared_ptr<ClientConnection> hold_;
    Pending pending_ = Pending::Nothing;
    std::uint64_t call_ = 0;        // numbers store calls: a late answer is told apart
    std::uint64_t call_epoch_ = 0;  // the connection's epoch when the call started
    session::Deadline deadline_{};
    std::chrono::steady_clock::time_point store_started_{};  // for the store operation histogram
};

}  // namespace sessiongate::proxy
