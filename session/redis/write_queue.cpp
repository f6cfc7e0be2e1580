#include "session/redis/write_queue.hpp"

namespace sessiongate::session::redis {

void WriteQueue::run(const std::string& key, Job job) {
    {
        std::lock_guard lock(mutex_);
        auto [it, idle] = waiting_.try_emplace(key);
        if (!idle) {
            it->second.push_back(std::move(job));
            return;
        }
    }
    job();
}

void WriteQueue::finished(const std::string& key) {
    Job next;
    {
        std::lock_guard lock(mutex_);
        auto it = waiting_.find(key);
        if (it == waiting_.end()) return;
        if (it->second.empty()) {
            waiting_.erase(it);
            return;
        }
        next = std::move(it->second.front());
        it->second.pop_front();
    }
    next();
}

}  // namespace sessiongate::session::redis
