// The LMDB environment of the store: its directory and flags, its tables,
// read transactions, and the map that grows while the process runs.
//
// Resizing the map needs every transaction of this process finished.
// Readers announce themselves in a counter and back off while a resize is
// under way; the resizer holds the write mutex (so no write transaction
// runs) and waits for the counter to drain. Readers touch only two atomics.
#pragma once

#include "config/config.hpp"
#include "session/lmdb/directory_claim.hpp"
#include "session/lmdb/lmdb.hpp"
#include "session/lmdb/readers.hpp"
#include "session/lmdb/tables.hpp"

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace sessiongate::session::lmdb {

class Environment {
public:
    /// Opens (creating if needed) the environment at `settings.path` and
    /// its tables, whose records `ring` seals and opens, with a secondary
    /// index of `index_keys`. Throws std::runtime_error when it cannot.
    Environment(const config::StoreSettings& settings, crypto::KeyRing ring, std::vector<std::string> index_keys);
    /// Syncs what the durability setting left unsynced, then closes. Every
    /// transaction must be over.
    ~Environment();

    Environment(const Environment&) = delete;
    Environment& operator=(const Environment&) = delete;

    const config::StoreSettings& settings() const { return settings_; }
    const Tables& tables() const { return tables_; }

    /// Runs `fn(const Txn&)` in this thread's read transaction; returns its
    /// status, or the status of beginning the transaction.
    template <class Fn>
    Status read(Fn&& fn) {
        Txn& txn = thread_read_txn(serial_, readers_);
        for (int attempt = 0;; ++attempt) {
            enter_read();
            Status s = txn ? txn.renew() : Txn::begin(env_, MDB_RDONLY, txn);
            if (s.map_resized() && attempt < 3) {
                // Another process grew the map: adopt its size, then retry.
                leave_read();
                std::lock_guard lock(write_mutex_);
                resize_locked(0);
                continue;
            }
            if (s.ok()) {
                s = fn(static_cast<const Txn&>(txn));
                txn.reset();
            }
            leave_read();
            return s;
        }
    }

    /// Held by whoever runs a write transaction; resizing needs it.
    std::mutex& write_mutex() { return write_mutex_; }
    /// Begins the write transaction, adopting a map grown by another
    /// process. Hold write_mutex().
    Status begin_write(Txn& txn);
    /// Doubles the map up to max_map_size; false when it cannot grow.
    /// Hold write_mutex().
    bool grow_locked();
    /// Flushes to disk (durability `os`: the periodic sync).
    void sync() { env_.sync(true); }

    std::size_t map_size() const { return map_bytes_.load(); }
    std::uint64_t grows() const { return grows_.load(); }
    /// Bytes of the map holding pages in use.
    std::size_t used_bytes() const { return env_.used_bytes(); }

private:
    void enter_read();
    void leave_read() { active_readers_.fetch_sub(1); }
    /// mdb_env_set_mapsize with no transaction running (0: adopt the size
    /// on disk). Hold write_mutex().
    Status resize_locked(std::size_t bytes);

    config::StoreSettings settings_;
    const crypto::KeyRing ring_;  // tables_ point at it
    std::uint64_t serial_;  // tells this environment's read slots from others'
    std::optional<DirectoryClaim> claim_;  // released after the env closes
    Env env_;
    Tables tables_;
    std::shared_ptr<ReaderPool> readers_ = std::make_shared<ReaderPool>();

    std::atomic<int> active_readers_{0};
    std::atomic<bool> resizing_{false};
    std::mutex write_mutex_;
    std::atomic<std::uint64_t> grows_{0};
    // For stats: mdb_env_info would read the meta pages mid-resize.
    std::atomic<std::uint64_t> map_bytes_{0};
};

/// One JSON line on stderr about the store; one fputs, so lines from
/// threads do not mix.
void log_store_line(const char* event, const std::string& detail);

}  // namespace sessiongate::session::lmdb
