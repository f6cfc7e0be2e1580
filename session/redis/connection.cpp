#include "session/redis/connection.hpp"

#include "session/redis/command.hpp"
#include "session/redis/log.hpp"

#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>

#include <algorithm>

namespace sessiongate::session::redis {
namespace asio = boost::asio;
using boost::system::error_code;

namespace {

std::string server_name(const Endpoint& endpoint) {
    const bool v6 = endpoint.host.find(':') != std::string::npos;
    return (v6 ? "[" + endpoint.host + "]" : endpoint.host) + ":" + std::to_string(endpoint.port);
}

std::string milliseconds(std::chrono::milliseconds d) {
    return std::to_string(d.count()) + " ms";
}

void run(Connection::Callback& done, Response response) {
    if (done) std::exchange(done, nullptr)(std::move(response));
}

}  // namespace

Connection::Connection(asio::any_io_executor executor, const ClientSettings& settings, asio::ssl::context* tls)
    : executor_(std::move(executor)),
      settings_(settings),
      tls_(tls),
      server_(server_name(settings.endpoint)),
      backoff_(settings.backoff_min, settings.backoff_max),
      jitter_(std::random_device{}()),
      resolver_(executor_),
      connect_timer_(executor_),
      deadline_timer_(executor_) {}

void Connection::start() {
    asio::post(executor_, [self = shared_from_this()] { self->start_connect(); });
}

void Connection::execute(std::vector<std::string> commands, Clock::time_point deadline, Callback done) {
    Batch batch;
    batch.expected = commands.size();
    for (auto& command : commands) batch.bytes += command;
    batch.deadline = deadline;
    batch.done = std::move(done);
    // Always posted, never run inline: a callback calling execute() must not
    // re-enter the reply loop that is running it.
    asio::post(executor_, [self = shared_from_this(), batch = std::move(batch)]() mutable {
        self->enqueue(std::move(batch));
    });
}

void Connection::stop() {
    asio::post(executor_, [self = shared_from_this()] { self->shutdown(); });
}

std::string Connection::pending_error(ErrorKind kind, const std::string& why) const {
    switch (kind) {
    case ErrorKind::Timeout: return "redis " + server_ + ": no answer before the deadline";
    case ErrorKind::Unavailable: return "redis " + server_ + " unavailable: " + why;
    case ErrorKind::ConnectionLost: return "redis " + server_ + ": connection lost: " + why;
    case ErrorKind::Closed: return "redis " + server_ + ": client closed";
    }
    return why;
}

void Connection::enqueue(Batch batch) {
    auto fail = [&](ErrorKind kind, const std::string& why) {
        run(batch.done, Response{Error{kind, pending_error(kind, why)}, {}});
    };
    switch (state()) {
    case State::Stopped: return fail(ErrorKind::Closed, {});
    case State::Backoff: return fail(ErrorKind::Unavailable, last_error_);
    case State::Connecting:
    case State::Ready: break;
    }
    if (batch.expected == 0) return run(batch.done, Response{});
    // While connecting, in_flight_ holds only the handshake: not a command.
    const std::size_t pending = waiting_.size() + (state() == State::Ready ? in_flight_.size() : 0);
    if (pending >= settings_.max_pending)
        return fail(ErrorKind::Unavailable, std::to_string(settings_.max_pending) + " commands already pending");
    if (batch.deadline <= Clock::now()) return fail(ErrorKind::Timeout, {});
    arm_deadline(batch.deadline);
    waiting_.push_back(std::move(batch));
    if (state() == State::Ready) send_waiting();
}

// ------------------------------------------------------------ connecting

void Connection::start_connect() {
    if (state() == State::Stopped) return;
    state_ = State::Connecting;
    const auto generation = ++generation_;
    transport_ = std::make_shared<Transport>(executor_, tls_, settings_.endpoint.host);
    reader_ = ReplyReader();
    unsolicited_ = false;
    out_.clear();
    writing_ = false;

    // One timer bounds the whole attempt, handshake and AUTH included.
    connect_timer_.expires_after(settings_.connect_timeout);
    connect_timer_.async_wait([self = shared_from_this(), generation](error_code ec) {
        if (ec || generation != self->generation_ || self->state() != State::Connecting) return;
        self->fail_connection("no connection within store.connect_timeout (" +
                              milliseconds(self->settings_.connect_timeout) + ")");
    });

    resolver_.async_resolve(
        settings_.endpoint.host, std::to_string(settings_.endpoint.port),
        [self = shared_from_this(), generation](error_code ec, const asio::ip::tcp::resolver::results_type& found) {
            if (generation != self->generation_) return;
            if (ec) return self->fail_connection("cannot resolve " + self->settings_.endpoint.host + ": " + ec.message());
            auto transport = self->transport_;
            transport->async_connect(found, [self, transport, generation](error_code ec, const std::string& message) {
                if (generation != self->generation_) return;
                if (ec) return self->fail_connection(message);
                self->on_connected(generation);
            });
        });
}

void Connection::on_connected(std::uint64_t generation) {
    last_read_ = Clock::now();
    do_read();
    // The handshake goes first, before any waiting command: AUTH must
    // precede them, and PING proves the server answers.
    std::vector<std::string> commands;
    if (!settings_.password.empty()) commands.push_back(format_command({"AUTH", settings_.password}));
    if (settings_.endpoint.database != 0)
        commands.push_back(format_command({"SELECT", std::to_string(settings_.endpoint.database)}));
    if (!settings_.client_name.empty())
        commands.push_back(format_command({"CLIENT", "SETNAME", settings_.client_name}));
    commands.push_back(format_command({"PING"}));

    Batch handshake;
    handshake.expected = commands.size();
    for (auto& command : commands) out_ += command;
    handshake.sent_at = Clock::now();
    handshake.done = [self = shared_from_this(), generation](Response response) {
        self->on_handshake(generation, std::move(response));
    };
    in_flight_.push_back(std::move(handshake));
    do_write();
}

void Connection::on_handshake(std::uint64_t generation, Response response) {
    // An error here means the attempt already failed and is being handled.
    if (!response.ok() || generation != generation_) return;
    std::size_t i = 0;
    auto check = [&](const char* step) -> bool {
        const Reply& reply = response.replies[i++];
        if (!reply.is_error()) return true;
        fail_connection(std::string(step) + " refused: " + reply.text);
        return false;
    };
    if (!settings_.password.empty() && !check("AUTH")) return;
    if (settings_.endpoint.database != 0 && !check("SELECT")) return;
    if (!settings_.client_name.empty()) ++i;  // CLIENT SETNAME is a courtesy: a proxy may refuse it
    if (!check("PING")) return;

    connect_timer_.cancel();
    state_ = State::Ready;
    if (failures_ > 0 || !was_ready_)
        log_event(config::LogLevel::Info, "redis_connected", server_,
                  failures_ > 0 ? "after " + std::to_string(failures_) + " failed attempts" : "");
    failures_ = 0;
    was_ready_ = true;
    last_error_.clear();
    send_waiting();
}

// ------------------------------------------------------------ commands

void Connection::send_waiting() {
    if (waiting_.empty()) return;
    const auto now = Clock::now();
    for (auto& batch : waiting_) {
        out_ += batch.bytes;
        batch.bytes = {};
        batch.sent_at = now;
        in_flight_.push_back(std::move(batch));
    }
    waiting_.clear();
    do_write();
}

void Connection::do_write() {
    if (writing_ || out_.empty() || !transport_) return;
    writing_ = true;
    // The buffer belongs to this write alone: a dropped connection's write
    // may still hold it while the next attempt fills a new one.
    auto bytes = std::make_shared<std::string>(std::exchange(out_, {}));
    transport_->async_write(*bytes, [self = shared_from_this(), bytes, generation = generation_](error_code ec, std::size_t) {
        if (generation != self->generation_) return;
        self->writing_ = false;
        if (ec) return self->fail_connection("write: " + ec.message());
        self->do_write();
    });
}

void Connection::do_read() {
    transport_->async_read_some([self = shared_from_this(), transport = transport_, generation = generation_](
                                    error_code ec, std::size_t bytes) { self->on_read(generation, ec, bytes); });
}

void Connection::on_read(std::uint64_t generation, error_code ec, std::size_t bytes) {
    if (generation != generation_) return;
    if (ec) {
        const bool closed = ec == asio::error::eof || ec == asio::ssl::error::stream_truncated;
        return fail_connection(closed ? "closed by the server" : "read: " + ec.message());
    }
    last_read_ = Clock::now();
    Completions completions;
    reader_.feed({transport_->buffer(), bytes});
    while (auto reply = reader_.next()) deliver(std::move(*reply), completions);
    // Callbacks run after the bookkeeping; they may not re-enter (execute posts).
    for (auto& [done, response] : completions) run(done, std::move(response));
    if (generation != generation_) return;  // a callback's handshake failure dropped the connection
    if (reader_.failed()) return fail_connection("protocol error: " + reader_.error());
    if (reader_.buffered() > settings_.max_reply_bytes)
        return fail_connection("a reply over " + std::to_string(settings_.max_reply_bytes) + " bytes");
    if (unsolicited_) return fail_connection("a reply nobody asked for");
    do_read();
}

void Connection::deliver(Reply reply, Completions& completions) {
    if (in_flight_.empty()) {
        unsolicited_ = true;  // on_read drops the connection
        return;
    }
    Batch& batch = in_flight_.front();
    batch.replies.push_back(std::move(reply));
    if (batch.replies.size() < batch.expected) return;
    if (batch.done) completions.emplace_back(std::move(batch.done), Response{std::nullopt, std::move(batch.replies)});
    in_flight_.pop_front();
}

// ------------------------------------------------------------ deadlines

void Connection::arm_deadline(Clock::time_point deadline) {
    if (deadline >= armed_until_) return;
    armed_until_ = deadline;
    deadline_timer_.expires_at(deadline);
    deadline_timer_.async_wait([self = shared_from_this()](error_code ec) {
        if (ec == asio::error::operation_aborted) return;  // re-armed earlier, or stopped
        self->on_deadline();
    });
}

void Connection::on_deadline() {
    if (state() == State::Stopped) return;
    armed_until_ = Clock::time_point::max();
    const auto now = Clock::now();
    Completions expired;
    auto timeout = [&](Batch& batch) {
        expired.emplace_back(std::move(batch.done),
                             Response{Error{ErrorKind::Timeout, pending_error(ErrorKind::Timeout, {})}, {}});
        batch.done = nullptr;
    };
    // Unsent commands are simply dropped; sent ones stay, answerless, so
    // later replies still find their own commands.
    std::erase_if(waiting_, [&](Batch& batch) {
        if (batch.deadline > now) return false;
        timeout(batch);
        return true;
    });
    bool sent_expired = false;
    for (auto& batch : in_flight_) {
        if (!batch.done || batch.deadline > now) continue;
        sent_expired = true;
        timeout(batch);
    }
    // Not a byte since the oldest unanswered command went out, for longer
    // than a command may take: the server is stuck (or the path to it).
    const bool stuck = sent_expired && last_read_ < in_flight_.front().sent_at;
    for (const auto& batch : waiting_) arm_deadline(batch.deadline);
    for (const auto& batch : in_flight_)
        if (batch.done) arm_deadline(batch.deadline);
    for (auto& [done, response] : expired) run(done, std::move(response));
    if (stuck && state() == State::Ready)
        fail_connection("no reply within the command deadline: the server seems stuck");
}

// ------------------------------------------------------------ failures

void Connection::fail_connection(const std::string& reason) {
    if (state() == State::Stopped) return;
    const bool was_connected = state() == State::Ready;
    ++generation_;
    if (transport_) transport_->close();
    transport_.reset();
    resolver_.cancel();
    writing_ = false;
    out_.clear();
    auto lost = std::exchange(in_flight_, {});
    auto waiting = std::exchange(waiting_, {});

    ++failures_;
    // One line when the trouble starts or changes, not one per retry.
    if (was_connected)
        log_event(config::LogLevel::Warn, "redis_connection_lost", server_, reason);
    else if (failures_ == 1 || reason != last_error_)
        log_event(config::LogLevel::Warn, "redis_connect_failed", server_, reason);
    last_error_ = reason;

    state_ = State::Backoff;
    const auto delay = backoff_.delay(failures_, std::uniform_real_distribution<double>(0, 1)(jitter_));
    connect_timer_.expires_after(delay);
    connect_timer_.async_wait([self = shared_from_this(), generation = generation_](error_code ec) {
        if (ec || generation != self->generation_) return;
        self->start_connect();
    });

    for (auto& batch : lost)
        run(batch.done, Response{Error{ErrorKind::ConnectionLost, pending_error(ErrorKind::ConnectionLost, reason)}, {}});
    for (auto& batch : waiting)
        run(batch.done, Response{Error{ErrorKind::Unavailable, pending_error(ErrorKind::Unavailable, reason)}, {}});
}

void Connection::shutdown() {
    if (state() == State::Stopped) return;
    state_ = State::Stopped;
    ++generation_;
    if (transport_) transport_->close();
    transport_.reset();
    resolver_.cancel();
    connect_timer_.cancel();
    deadline_timer_.cancel();
    auto lost = std::exchange(in_flight_, {});
    auto waiting = std::exchange(waiting_, {});
    const Response closed{Error{ErrorKind::Closed, pending_error(ErrorKind::Closed, {})}, {}};
    for (auto& batch : lost) run(batch.done, closed);
    for (auto& batch : waiting) run(batch.done, closed);
}

}  // namespace sessiongate::session::redis
