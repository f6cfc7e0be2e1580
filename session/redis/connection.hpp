// One pipelined connection to a Redis server, driven by Asio on a single
// executor (an io_context run by one thread, or a strand): nothing here
// blocks, and any thread may call execute().
//
// States:
//   Connecting  resolve, TCP connect, TLS handshake, then AUTH / SELECT /
//               CLIENT SETNAME / PING, all within connect_timeout. Commands
//               wait (up to their deadline) and go out once it succeeds.
//   Ready       commands are written as they come, many per write, and
//               replies matched to them in order.
//   Backoff     after any failure: commands fail at once (Unavailable) until
//               the next attempt, which comes after a growing, jittered delay.
//   Stopped     stop() was called; everything fails with Closed.
//
// A command batch that misses its deadline fails with Timeout at once; its
// replies, if they come, are read and dropped. When a command times out and
// not a byte has come since the oldest unanswered one was sent, the server is
// taken as stuck: the connection is dropped and made again.
#pragma once

#include "session/redis/backoff.hpp"
#include "session/redis/client_settings.hpp"
#include "session/redis/reply_reader.hpp"
#include "session/redis/response.hpp"
#include "session/redis/transport.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace sessiongate::session::redis {

class Connection : public std::enable_shared_from_this<Connection> {
public:
    using Clock = std::chrono::steady_clock;
    using Callback = std::function<void(Response)>;
    enum class State { Connecting, Ready, Backoff, Stopped };

    /// `tls` (null for redis://) must outlive the connection.
    Connection(boost::asio::any_io_executor executor, const ClientSettings& settings,
               boost::asio::ssl::context* tls);

    /// Starts the first connection attempt.
    void start();

    /// Sends `commands` (each from format_command) back to back; `done` runs
    /// once on this connection's executor with one reply per command, or an
    /// error. Thread-safe; never runs `done` before returning.
    void execute(std::vector<std::string> commands, Clock::time_point deadline, Callback done);

    /// Closes the connection for good; pending commands fail with Closed.
    /// Thread-safe; takes effect on the executor.
    void stop();

    State state() const { return state_.load(std::memory_order_relaxed); }

private:
    struct Batch {
        std::string bytes;  // the commands, until written
        std::size_t expected = 0;
        std::vector<Reply> replies;
        Clock::time_point deadline = Clock::time_point::max();
        Clock::time_point sent_at;
        Callback done;  // empty once failed by its deadline: replies are dropped
    };
    using Completions = std::vector<std::pair<Callback, Response>>;

    void enqueue(Batch batch);
    void start_connect();
    void on_connected(std::uint64_t generation);
    void on_handshake(std::uint64_t generation, Response response);
    void send_waiting();
    void do_write();
    void do_read();
    void on_read(std::uint64_t generation, boost::system::error_code ec, std::size_t bytes);
    void deliver(Reply reply, Completions& completions);
    void arm_deadline(Clock::time_point deadline);
    void on_deadline();
    /// Drops the connection: in-flight commands fail with ConnectionLost,
    /// waiting ones with Unavailable, then a reconnection is scheduled.
    void fail_connection(const std::string& reason);
    void shutdown();
    std::string pending_error(ErrorKind kind, const std::string& why) const;

    boost::asio::any_io_executor executor_;
    const ClientSettings settings_;
    boost::asio::ssl::context* tls_;
    const std::string server_;  // host:port, for messages
    Backoff backoff_;
    std::minstd_rand jitter_;

    std::atomic<State> state_{State::Connecting};
    std::uint64_t generation_ = 0;  // bumped per attempt: late handlers of old ones do nothing
    unsigned failures_ = 0;         // consecutive failed attempts
    bool was_ready_ = false;        // for the log: lost vs. never reached
    std::string last_error_;

    boost::asio::ip::tcp::resolver resolver_;
    boost::asio::steady_timer connect_timer_;   // connect timeout, then backoff delay
    boost::asio::steady_timer deadline_timer_;  // earliest command deadline
    Clock::time_point armed_until_ = Clock::time_point::max();
    std::shared_ptr<Transport> transport_;
    ReplyReader reader_;
    Clock::time_point last_read_;
    bool unsolicited_ = false;  // a reply came with no command waiting for it

    std::deque<Batch> waiting_;    // not written yet
    std::deque<Batch> in_flight_;  // written; replies come in this order
    std::string out_;              // bytes to write next
    bool writing_ = false;
};

}  // namespace sessiongate::session::redis
