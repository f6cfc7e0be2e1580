// The session store interface. LMDB (session/lmdb/), Redis and sealed
// cookies implement it and pass one conformance suite
// (tests/unit/session/store_suite.hpp).
//
// A store is addressed by the cookie value the client holds: for a
// server-side store the session id (it keys records by a hash of it, so a
// copy of the store yields no live cookie), for a cookie store the sealed
// session itself. The store alone judges a value: one that cannot be its
// own is NotFound, without a lookup.
//
// A write is decided by the pure rules of write_rules.hpp; a store reads the
// current record, calls next_record() and commits the result atomically in
// its own way (LMDB in its write transaction, Redis with a compare-and-set
// script, the cookie store by sealing it).
//
// Every call carries a deadline. A store should give up by then (answer
// Error) rather than run late; the caller stops waiting at the deadline
// anyway and ignores a later answer. Completion callbacks may run on any
// thread (LMDB's writer thread, a Redis I/O thread) or inline before the
// call returns; callers hop back to their own executor.
#pragma once

#include "session/session_admin.hpp"
#include "session/session_record.hpp"
#include "session/session_write.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

namespace sessiongate::session {

enum class LoadStatus {
    Found,
    NotFound,  // unknown id, or a value that cannot be one of this store's
    Expired,   // record present but past its expiry (treated as absent)
    Error,     // store unavailable, timed out, or the record is damaged
};

struct LoadResult {
    LoadStatus status = LoadStatus::NotFound;
    SessionRecord record;  // valid when Found
    std::string error;     // when Error

    /// What a caller takes for an answer that did not come by the deadline.
    static LoadResult timed_out() { return {LoadStatus::Error, {}, "no answer within timeouts.store"}; }
};

using Deadline = std::chrono::steady_clock::time_point;

class Store {
public:
    virtual ~Store() = default;

    using LoadCallback = std::function<void(LoadResult)>;
    using WriteCallback = std::function<void(WriteResult)>;

    /// Looks up the session a cookie value names. `now` (Unix seconds)
    /// decides expiry.
    virtual void load(std::string cookie_value, std::int64_t now, Deadline deadline, LoadCallback done) = 0;

    /// Applies a response's changes atomically; see SessionWrite.
    virtual void write(SessionWrite change, Deadline deadline, WriteCallback done) = 0;

    /// Administration by handle, or nullptr for a store that keeps no
    /// sessions it could list (the cookie store).
    virtual SessionAdmin* admin() { return nullptr; }

    /// Background deletion of expired sessions, or nullptr for a store
    /// whose sessions expire by themselves.
    virtual ExpirySweep* expiry_sweep() { return nullptr; }
};

}  // namespace sessiongate::session
