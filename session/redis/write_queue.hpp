// Writes to one session from this process run one after the other: run at
// once they would only collide in Redis's compare-and-set and retry. Writes
// from other processes still can, and do retry.
#pragma once

#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>

namespace sessiongate::session::redis {

class WriteQueue {
public:
    using Job = std::function<void()>;

    /// Runs `job` now (on this thread) when no write of `key` is running,
    /// else after the ones before it. Every job must end with finished(key).
    void run(const std::string& key, Job job);
    /// Starts the next job of `key`, if any (on this thread).
    void finished(const std::string& key);

private:
    std::mutex mutex_;
    std::unordered_map<std::string, std::deque<Job>> waiting_;  // a key is present while one of its jobs runs
};

}  // namespace sessiongate::session::redis
