#include "session/lmdb/readers.hpp"

#include <vector>

namespace sessiongate::session::lmdb {

Txn* ReaderPool::acquire() {
    std::lock_guard lock(mutex_);
    if (!free_.empty()) {
        auto* slot = free_.back();
        free_.pop_back();
        return slot;
    }
    slots_.push_back(std::make_unique<Txn>());
    return slots_.back().get();
}

void ReaderPool::release(Txn* slot) {
    std::lock_guard lock(mutex_);
    free_.push_back(slot);
}

void ReaderPool::close() {
    std::lock_guard lock(mutex_);
    for (auto& slot : slots_) slot->abort();
}

namespace {

/// A thread's slots, one per store it has read from; handed back when the
/// thread exits, if the store is still open.
struct ThreadSlots {
    struct Entry {
        std::uint64_t store;
        std::weak_ptr<ReaderPool> pool;
        Txn* slot;
    };
    std::vector<Entry> entries;

    ~ThreadSlots() {
        for (auto& e : entries) {
            if (auto pool = e.pool.lock()) pool->release(e.slot);
        }
    }
};

thread_local ThreadSlots thread_slots;

}  // namespace

Txn& thread_read_txn(std::uint64_t store, const std::shared_ptr<ReaderPool>& pool) {
    auto& entries = thread_slots.entries;
    for (auto& e : entries) {
        if (e.store == store) return *e.slot;
    }
    // Entries of closed stores are never matched again: drop them here.
    std::erase_if(entries, [](const ThreadSlots::Entry& e) { return e.pool.expired(); });
    entries.push_back(ThreadSlots::Entry{store, pool, pool->acquire()});
    return *entries.back().slot;
}

}  // namespace sessiongate::session::lmdb
