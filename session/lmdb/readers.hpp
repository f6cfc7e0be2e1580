// Per-thread read transactions of the LMDB store.
//
// The environment is opened with MDB_NOTLS, so a read transaction is not
// bound to its thread's TLS slot: each thread keeps one per store, reset
// between reads and renewed for the next (no allocation, no lock). A thread
// finds its own through a thread_local table, so readers share no lock.
#pragma once

#include "session/lmdb/lmdb.hpp"

#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

namespace sessiongate::session::lmdb {

/// Every read transaction of one store. Owned by a shared_ptr so that a
/// thread exiting after the store closed can still hand its slot back.
class ReaderPool {
public:
    Txn* acquire();
    void release(Txn* slot);
    /// Aborts every transaction; the environment may close afterwards.
    void close();

private:
    std::mutex mutex_;
    std::vector<std::unique_ptr<Txn>> slots_;
    std::vector<Txn*> free_;
};

/// This thread's read transaction for the store numbered `store` (a number
/// never reused); empty until first begun. The pool's mutex is taken only
/// the first time a thread reads from a store.
Txn& thread_read_txn(std::uint64_t store, const std::shared_ptr<ReaderPool>& pool);

}  // namespace sessiongate::session::lmdb
