#include "session/lmdb/writer.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>

namespace sessiongate::session::lmdb {
namespace {

using config::Durability;

constexpr std::size_t commit_delay_batch = 1024;  // stop waiting for more writes at this many
constexpr auto os_sync_interval = std::chrono::seconds(1);

}  // namespace

Writer::Writer(Environment& env) : env_(env), thread_([this] { loop(); }) {}

Writer::~Writer() {
    {
        std::lock_guard lock(queue_mutex_);
        stopping_ = true;
    }
    queue_cv_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void Writer::enqueue(std::unique_ptr<Job> job) {
    {
        std::lock_guard lock(queue_mutex_);
        queue_.push_back(std::move(job));
    }
    queue_cv_.notify_one();
}

void Writer::loop() {
    using clock = std::chrono::steady_clock;
    const auto& settings = env_.settings();
    std::vector<std::unique_ptr<Job>> batch;
    bool unsynced = false;
    auto last_sync = clock::now();
    for (;;) {
        {
            std::unique_lock lock(queue_mutex_);
            auto ready = [&] { return stopping_ || !queue_.empty(); };
            if (unsynced) {
                queue_cv_.wait_for(lock, os_sync_interval, ready);
            } else {
                queue_cv_.wait(lock, ready);
            }
            if (queue_.empty() && stopping_) break;
            if (!queue_.empty() && settings.commit_delay.count() > 0 && !stopping_) {
                // Wait a little for more writes to share the commit.
                queue_cv_.wait_for(lock, settings.commit_delay,
                                   [&] { return stopping_ || queue_.size() >= commit_delay_batch; });
            }
            for (auto& job : queue_) batch.push_back(std::move(job));
            queue_.clear();
        }
        if (!batch.empty()) {
            run_batch(batch);
            batch.clear();
            unsynced = settings.durability == Durability::Os;
        }
        if (unsynced && clock::now() - last_sync >= os_sync_interval) {
            env_.sync();
            last_sync = clock::now();
            unsynced = false;
        }
    }
}

BatchOutcome Writer::commit_locked(std::span<const std::unique_ptr<Job>> jobs, std::span<BatchOutcome> outcomes,
                                   std::string& error) {
    for (;;) {
        Txn txn;
        Status s = env_.begin_write(txn);
        if (s.ok()) {
            // Late jobs are answered, not applied: their caller has stopped
            // waiting and told its client so.
            const auto now = Deadline::clock::now();
            for (std::size_t i = 0; i < jobs.size(); ++i)
                if (jobs[i]->deadline < now) outcomes[i] = BatchOutcome::TimedOut;
        }
        for (std::size_t i = 0; s.ok() && i < jobs.size(); ++i) {
            if (outcomes[i] != BatchOutcome::TimedOut) s = jobs[i]->apply(txn, env_.tables());
        }
        if (s.ok()) s = txn.commit();
        if (s.ok()) {
            commits_.fetch_add(1);
            return BatchOutcome::Committed;
        }
        txn.abort();
        if (s.map_full() && env_.grow_locked()) continue;
        if (s.map_full()) {
            error = "session store full at " + std::to_string(env_.map_size()) + " bytes";
            return BatchOutcome::Full;
        }
        error = "lmdb: " + s.message();
        log_store_line("store_error", error);
        return BatchOutcome::Error;
    }
}

void Writer::run_batch(std::vector<std::unique_ptr<Job>>& batch) {
    std::vector<BatchOutcome> outcomes(batch.size(), BatchOutcome::Committed);
    std::string error;
    {
        std::lock_guard lock(env_.write_mutex());
        const BatchOutcome outcome = commit_locked(batch, outcomes, error);
        for (auto& each : outcomes)
            if (each != BatchOutcome::TimedOut) each = outcome;
        if (outcome == BatchOutcome::Full) {
            log_store_line("store_full", error);
            if (batch.size() > 1) {
                // At the size limit: commit what still fits one job at a
                // time, so one large session does not fail the others (and
                // the commits make pages freed by deletes reusable).
                for (std::size_t i = 0; i < batch.size(); ++i) {
                    if (outcomes[i] == BatchOutcome::TimedOut) continue;
                    std::string job_error;
                    outcomes[i] = BatchOutcome::Committed;
                    const auto one = commit_locked({&batch[i], 1}, {&outcomes[i], 1}, job_error);
                    if (outcomes[i] != BatchOutcome::TimedOut) outcomes[i] = one;
                    if (one == BatchOutcome::Error) error = job_error;
                }
            }
        }
    }
    jobs_.fetch_add(batch.size());
    for (std::size_t i = 0; i < batch.size(); ++i) {
        try {
            batch[i]->finish(outcomes[i], outcomes[i] == BatchOutcome::TimedOut
                                              ? std::string("deadline passed before the write was applied")
                                              : error);
        } catch (const std::exception& e) {
            // A throwing callback must not take the writer thread down.
            log_store_line("store_callback_failed", e.what());
        }
    }
}

}  // namespace sessiongate::session::lmdb
