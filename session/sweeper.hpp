// Deletes expired sessions in the background (Django's `clearsessions`,
// done for you): a thread that calls sweep(now) every interval, for a store
// that needs it (Store::expiry_sweep()).
#pragma once

#include "session/session_admin.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>

namespace sessiongate::session {

class Sweeper {
public:
    using Clock = std::function<std::int64_t()>;      // Unix seconds
    using Report = std::function<void(std::size_t)>;  // sessions removed by one sweep

    /// Starts sweeping `store` every `interval` (the first sweep after one
    /// interval). The store must outlive the sweeper.
    Sweeper(ExpirySweep& store, std::chrono::milliseconds interval, Clock clock = unix_now,
            Report report = {});
    /// Stops promptly: wakes the thread instead of waiting out the interval.
    ~Sweeper();

    Sweeper(const Sweeper&) = delete;
    Sweeper& operator=(const Sweeper&) = delete;

    static std::int64_t unix_now();

private:
    void run();

    ExpirySweep& store_;
    std::chrono::milliseconds interval_;
    Clock clock_;
    Report report_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace sessiongate::session
