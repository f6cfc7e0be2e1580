// Optional interfaces of a store beyond load and write.
//
// SessionAdmin: sessions found, listed, changed and deleted by handle (the
// CLI, the admin API). Only stores that keep sessions on a server can: LMDB
// and Redis; a sealed-cookie store has nothing to list. A store that keeps
// the secondary index (config `index`) also finds and deletes sessions by an
// indexed value; the index entries each write adds and removes come from
// next_record() (write_rules.hpp), applied in the same atomic step as the
// record (LMDB: the write transaction; Redis: the write's script, a set of
// storage keys per value that expires with its last session).
//
// ExpirySweep: deleting expired sessions in the background. Only stores
// whose records do not expire by themselves need it (LMDB; Redis uses TTLs).
//
// Both are synchronous and off the request path; implementations bound
// their own waits.
#pragma once

#include "session/session_record.hpp"
#include "session/session_write.hpp"
#include "session/write_rules.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace sessiongate::session {

/// One line of `sessions list`.
struct SessionSummary {
    std::string handle;
    std::int64_t created = 0;
    std::int64_t expires = 0;
    std::size_t bytes = 0;      // of the data JSON
    std::int64_t modified = 0;  // last save (0 when the store does not tell)
};

inline SessionSummary summary_of(const SessionRecord& r) {
    return {r.handle, r.created, r.expires, r.data_json.size(), r.modified};
}

class SessionAdmin {
public:
    virtual ~SessionAdmin() = default;

    /// Session by handle, even if expired and not swept yet; nullopt when
    /// there is none.
    virtual std::optional<SessionRecord> find_by_handle(const std::string& handle) = 0;
    /// Deletes by handle; false when there was none.
    virtual bool remove_by_handle(const std::string& handle) = 0;
    virtual std::size_t count() = 0;
    /// Up to `limit` summaries, in handle order, starting after `after`.
    virtual std::vector<SessionSummary> list(std::size_t limit, const std::string& after) = 0;

    // -- changes through the write path, and the secondary index. A store
    //    without them keeps the defaults (no index, writes refused).

    /// Applies `write` (patches and expiry, no action; `current` ignored) to
    /// the session with `handle` atomically with concurrent saves, by the
    /// same rules as a response's update: Gone when there is no live
    /// session with that handle.
    virtual WriteResult write_by_handle(const std::string& handle, SessionWrite write) {
        (void)handle, (void)write;
        return {WriteOutcome::Error, {}, {}, "this store cannot change a session by handle"};
    }

    /// The session keys this store indexes (config `index`); empty: none.
    virtual std::span<const std::string> index_keys() const { return {}; }

    struct IndexPage {
        std::vector<SessionSummary> sessions;
        std::string next;  // opaque cursor for the next page; empty at the end
    };
    /// Live sessions (at `now`) whose indexed key holds the value, up to
    /// `limit`, continuing after `cursor` (empty: from the start).
    virtual IndexPage find_by_index(const IndexEntry& entry, std::int64_t now, std::size_t limit,
                                    const std::string& cursor) {
        (void)entry, (void)now, (void)limit, (void)cursor;
        return {};
    }
    /// Deletes every session whose indexed key holds the value, except the
    /// one with `except_handle` (empty: none spared), atomically; returns
    /// how many went.
    virtual std::size_t remove_by_index(const IndexEntry& entry, const std::string& except_handle) {
        (void)entry, (void)except_handle;
        return 0;
    }
};

class ExpirySweep {
public:
    virtual ~ExpirySweep() = default;
    /// Deletes every session expired at `now`; returns how many.
    virtual std::size_t sweep(std::int64_t now) = 0;
};

}  // namespace sessiongate::session
