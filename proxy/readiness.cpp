#include "proxy/readiness.hpp"

#include "session/session_id.hpp"

#include <boost/asio/post.hpp>

#include <ctime>

namespace sessiongate::proxy {

namespace net = boost::asio;

ReadinessAnswer judge_readiness(const ReadinessFacts& facts) {
    std::string body;
    if (facts.draining) body += "not ready: draining\n";
    if (facts.store_problem) body += "not ready: store unreachable: " + *facts.store_problem + "\n";
    if (facts.upstream_problem) body += "not ready: upstream refuses connections: " + *facts.upstream_problem + "\n";
    if (body.empty()) return {200, "ready\n"};
    return {503, std::move(body)};
}

ReadinessProbe::ReadinessProbe(net::io_context& ioc, session::Store& store, UpstreamAddress upstream,
                               const std::atomic<bool>& draining, std::chrono::milliseconds interval)
    : ioc_(ioc),
      store_(store),
      upstream_(std::move(upstream)),
      draining_(draining),
      interval_(interval),
      timer_(ioc),
      probe_id_(session::new_session_id()) {}

void ReadinessProbe::start() { probe(); }

void ReadinessProbe::stop() {
    stopped_ = true;
    timer_.cancel();
    boost::system::error_code ignored;
    if (connecting_) connecting_->close(ignored);
}

ReadinessFacts ReadinessProbe::facts() const {
    ReadinessFacts facts;
    facts.draining = draining_.load(std::memory_order_relaxed);
    facts.store_problem = store_known_ ? store_problem_ : std::optional<std::string>("not checked yet");
    facts.upstream_problem = upstream_known_ ? upstream_problem_ : std::optional<std::string>("not checked yet");
    return facts;
}

void ReadinessProbe::probe() {
    if (stopped_) return;
    probe_upstream();
    probe_store();
    timer_.expires_after(interval_);
    timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
        if (!ec) self->probe();
    });
}

void ReadinessProbe::probe_upstream() {
    boost::system::error_code ignored;
    if (connecting_) {
        // Still no answer after a whole interval: a black hole is as bad as
        // a refusal for the clients we would send there.
        connecting_->close(ignored);
        upstream_known_ = true;
        upstream_problem_ = "no answer to a connection within " + std::to_string(interval_.count()) + " ms";
    }
    auto round = ++upstream_round_;
    connecting_.emplace(ioc_.get_executor());
    connecting_->async_connect(upstream_(), [self = shared_from_this(), round](boost::system::error_code ec) {
        if (ec == net::error::operation_aborted || round != self->upstream_round_ || !self->connecting_) return;
        self->upstream_known_ = true;
        if (ec) self->upstream_problem_ = ec.message();
        else self->upstream_problem_.reset();
        self->connecting_.reset();  // closes it: the upstream sees a connection opened and closed
    });
}

void ReadinessProbe::probe_store() {
    if (store_pending_) {
        if (Clock::now() - store_asked_ >= interval_) {
            store_known_ = true;
            store_problem_ = "no answer within " + std::to_string(interval_.count()) + " ms";
        }
        return;  // one lookup at a time
    }
    store_pending_ = true;
    store_asked_ = Clock::now();
    auto round = ++store_round_;
    // The answer may come on the store's thread: it is taken back to ours.
    store_.load(probe_id_, static_cast<std::int64_t>(std::time(nullptr)), session::Deadline::clock::now() + interval_,
                [self = shared_from_this(), round](session::LoadResult result) {
                    net::post(self->ioc_, [self, round, result = std::move(result)]() mutable {
                        self->on_store_answer(round, std::move(result));
                    });
                });
}

void ReadinessProbe::on_store_answer(std::uint64_t round, session::LoadResult result) {
    if (round != store_round_) return;
    store_pending_ = false;
    store_known_ = true;
    if (result.status == session::LoadStatus::Error) store_problem_ = result.error.empty() ? "store error" : result.error;
    else store_problem_.reset();
}

}  // namespace sessiongate::proxy
