// A Redis client: `settings.connections` pipelined connections, each on an
// I/O thread of its own, so no caller ever waits on a socket. Commands go to
// the next connection round-robin (preferring one that is connected).
// Callbacks run on the chosen connection's thread: they must not block, and
// callers hop back to their own executor.
#pragma once

#include "session/redis/client_settings.hpp"
#include "session/redis/connection.hpp"
#include "session/redis/response.hpp"

#include <boost/asio/ssl/context.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace sessiongate::session::redis {

class Client {
public:
    using Clock = Connection::Clock;
    using Callback = Connection::Callback;

    /// Starts the threads and the first connection attempts (which may
    /// fail: the client keeps trying). Throws std::runtime_error on a TLS
    /// file that cannot be loaded.
    explicit Client(ClientSettings settings);
    /// Stops the connections (pending commands fail with Closed, their
    /// callbacks run) and joins the threads. Never call it from a callback.
    ~Client();

    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    /// Sends the commands back to back on one connection; `done` gets one
    /// reply per command, or the reason there are none.
    void execute(std::vector<std::string> commands, Clock::time_point deadline, Callback done);

    /// Waits for the replies: for start-up and administration only, never
    /// on an I/O thread (nor in a callback).
    Response execute_sync(std::vector<std::string> commands, Clock::time_point deadline);

    /// At least one connection is up (for readiness checks).
    bool connected() const;

    const ClientSettings& settings() const { return settings_; }

private:
    struct IoThread;

    ClientSettings settings_;
    std::optional<boost::asio::ssl::context> tls_;
    std::vector<std::unique_ptr<IoThread>> threads_;
    std::atomic<std::size_t> next_{0};
};

}  // namespace sessiongate::session::redis
