#include "session/sweeper.hpp"

#include <algorithm>

namespace sessiongate::session {

Sweeper::Sweeper(ExpirySweep& store, std::chrono::milliseconds interval, Clock clock, Report report)
    : store_(store),
      interval_(std::max(interval, std::chrono::milliseconds(1))),
      clock_(std::move(clock)),
      report_(std::move(report)),
      thread_([this] { run(); }) {}

Sweeper::~Sweeper() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
}

std::int64_t Sweeper::unix_now() {
    using namespace std::chrono;
    return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
}

void Sweeper::run() {
    std::unique_lock lock(mutex_);
    for (;;) {
        if (wake_.wait_for(lock, interval_, [this] { return stopping_; })) return;
        // Unlocked while sweeping, so the destructor is never blocked on the
        // lock; it waits at most for the sweep under way.
        lock.unlock();
        const std::size_t removed = store_.sweep(clock_());
        if (report_) report_(removed);
        lock.lock();
    }
}

}  // namespace sessiongate::session
