#include "session/redis/client.hpp"

#include "session/redis/tls_context.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <algorithm>

#include <future>
#include <thread>

namespace sessiongate::session::redis {
namespace asio = boost::asio;

struct Client::IoThread {
    asio::io_context ioc{1};
    asio::executor_work_guard<asio::io_context::executor_type> work = asio::make_work_guard(ioc);
    std::shared_ptr<Connection> connection;
    std::thread thread;
};

Client::Client(ClientSettings settings) : settings_(std::move(settings)) {
    if (settings_.endpoint.tls) tls_.emplace(make_tls_context(settings_));
    const std::size_t count = std::max<std::size_t>(1, settings_.connections);
    for (std::size_t i = 0; i < count; ++i) {
        auto io = std::make_unique<IoThread>();
        io->connection = std::make_shared<Connection>(io->ioc.get_executor(), settings_, tls_ ? &*tls_ : nullptr);
        io->connection->start();
        io->thread = std::thread([&ioc = io->ioc] { ioc.run(); });
        threads_.push_back(std::move(io));
    }
}

Client::~Client() {
    for (auto& io : threads_) {
        io->connection->stop();
        io->work.reset();
    }
    for (auto& io : threads_) io->thread.join();
    // Connections hold timers and sockets of their io_context: they go first.
    for (auto& io : threads_) io->connection.reset();
}

void Client::execute(std::vector<std::string> commands, Clock::time_point deadline, Callback done) {
    const std::size_t count = threads_.size();
    const std::size_t first = next_.fetch_add(1, std::memory_order_relaxed) % count;
    std::size_t chosen = first;
    for (std::size_t i = 0; i < count; ++i) {
        const std::size_t candidate = (first + i) % count;
        if (threads_[candidate]->connection->state() == Connection::State::Ready) {
            chosen = candidate;
            break;
        }
    }
    threads_[chosen]->connection->execute(std::move(commands), deadline, std::move(done));
}

Response Client::execute_sync(std::vector<std::string> commands, Clock::time_point deadline) {
    std::promise<Response> promise;
    auto future = promise.get_future();
    execute(std::move(commands), deadline, [&promise](Response response) { promise.set_value(std::move(response)); });
    return future.get();
}

bool Client::connected() const {
    for (const auto& io : threads_)
        if (io->connection->state() == Connection::State::Ready) return true;
    return false;
}

}  // namespace sessiongate::session::redis
