// /readyz: whether this instance should get traffic now. Not ready while it
// drains (SIGTERM), while its store cannot be reached, or while the upstream
// refuses connections; the body names each reason, so `kubectl describe`
// shows why a pod is out of rotation.
//
// The store and the upstream are probed in the background, at most once a
// second, never per /readyz request: a probe storm from a misconfigured
// orchestrator costs the upstream and the store nothing.
#pragma once

#include "proxy/socket.hpp"
#include "session/store.hpp"

#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace sessiongate::proxy {

/// What is known of the instance's health; each problem says why.
struct ReadinessFacts {
    bool draining = false;
    std::optional<std::string> store_problem;
    std::optional<std::string> upstream_problem;
};

struct ReadinessAnswer {
    unsigned status = 200;  // 200 ready, 503 not
    std::string body;       // "ready\n", or one "not ready: ..." line per reason
};

ReadinessAnswer judge_readiness(const ReadinessFacts& facts);

/// Probes the store (a lookup of an id that exists nowhere) and the upstream
/// (a TCP connection opened and closed) once per interval, on one
/// io_context; facts() is read on that same thread (the admin listener's).
class ReadinessProbe : public std::enable_shared_from_this<ReadinessProbe> {
public:
    using Clock = std::chrono::steady_clock;
    using Endpoint = boost::asio::ip::tcp::endpoint;
    /// The upstream to try now (it changes with a reload).
    using UpstreamAddress = std::function<Endpoint()>;

    ReadinessProbe(boost::asio::io_context& ioc, session::Store& store, UpstreamAddress upstream,
                   const std::atomic<bool>& draining, std::chrono::milliseconds interval = std::chrono::seconds(1));

    /// The first probe runs at once; /readyz answers "not ready: starting"
    /// until both have answered.
    void start();
    void stop();

    ReadinessFacts facts() const;

private:
    void probe();
    void probe_upstream();
    void probe_store();
    void on_store_answer(std::uint64_t round, session::LoadResult result);

    boost::asio::io_context& ioc_;
    session::Store& store_;
    UpstreamAddress upstream_;
    const std::atomic<bool>& draining_;
    std::chrono::milliseconds interval_;
    boost::asio::steady_timer timer_;
    std::optional<Socket> connecting_;
    std::uint64_t upstream_round_ = 0;
    bool upstream_known_ = false;
    std::optional<std::string> upstream_problem_;
    // A store answer that is late is a problem in itself: one probe at a time.
    std::uint64_t store_round_ = 0;
    bool store_pending_ = false;
    Clock::time_point store_asked_{};
    bool store_known_ = false;
    std::optional<std::string> store_problem_;
    std::string probe_id_;  // well-formed, random: found nowhere
    bool stopped_ = false;
};

}  // namespace sessiongate::proxy
