// The LMDB store's one writer thread: a queue of jobs, committed in groups.
//
// Every job queued while a commit runs (or within settings.commit_delay)
// shares the next write transaction (group commit); callbacks run after
// the commit, on the writer thread. A job whose deadline has passed by the
// time the transaction begins (it waited in the queue, or for the write
// lock another process held) is answered without being applied.
#pragma once

#include "session/lmdb/environment.hpp"
#include "session/store.hpp"

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

namespace sessiongate::session::lmdb {

enum class BatchOutcome { Committed, Full, Error, TimedOut };

/// One queued operation. apply() runs inside the batch transaction, and
/// again from scratch if the batch is retried after the map grew; finish()
/// runs once, after the commit (or the batch's failure).
struct Job {
    virtual ~Job() = default;
    /// A non-ok status means the transaction is unusable: the batch fails.
    virtual Status apply(const Txn& txn, const Tables& t) = 0;
    virtual void finish(BatchOutcome outcome, const std::string& error) = 0;
    Deadline deadline = Deadline::max();
};

class Writer {
public:
    /// Starts the thread. `env` must outlive the writer.
    explicit Writer(Environment& env);
    /// Runs the jobs still queued, then stops.
    ~Writer();

    Writer(const Writer&) = delete;
    Writer& operator=(const Writer&) = delete;

    void enqueue(std::unique_ptr<Job> job);

    /// Runs `fn` as a job and waits for its commit: `fn`'s value, or
    /// `fallback` when the batch failed. Never call from a job's callback.
    template <class T>
    T run(std::function<Status(const Txn&, const Tables&, T&)> fn, T fallback);

    std::uint64_t jobs() const { return jobs_.load(); }        // applied
    std::uint64_t commits() const { return commits_.load(); }  // write transactions committed

private:
    void loop();
    void run_batch(std::vector<std::unique_ptr<Job>>& batch);
    /// Applies the jobs whose outcome is still Committed in one write
    /// transaction; marks the late ones TimedOut first.
    BatchOutcome commit_locked(std::span<const std::unique_ptr<Job>> jobs, std::span<BatchOutcome> outcomes,
                               std::string& error);

    Environment& env_;
    std::mutex queue_mutex_;
    std::condition_variable queue_cv_;
    std::deque<std::unique_ptr<Job>> queue_;
    bool stopping_ = false;
    std::atomic<std::uint64_t> jobs_{0}, commits_{0};
    std::thread thread_;  // last: starts once the rest is ready
};

/// A synchronous job: the caller waits on `promise`.
template <class T>
struct WaitedJob final : Job {
    using Apply = std::function<Status(const Txn&, const Tables&, T&)>;
    WaitedJob(Apply fn, T fallback) : fn(std::move(fn)), fallback(fallback) {}

    Status apply(const Txn& txn, const Tables& t) override {
        value = fallback;
        return fn(txn, t, value);
    }
    void finish(BatchOutcome outcome, const std::string&) override {
        promise.set_value(outcome == BatchOutcome::Committed ? value : fallback);
    }

    Apply fn;
    T fallback;
    T value{};
    std::promise<T> promise;
};

template <class T>
T Writer::run(std::function<Status(const Txn&, const Tables&, T&)> fn, T fallback) {
    auto job = std::make_unique<WaitedJob<T>>(std::move(fn), fallback);
    auto result = job->promise.get_future();
    enqueue(std::move(job));
    return result.get();
}

}  // namespace sessiongate::session::lmdb
