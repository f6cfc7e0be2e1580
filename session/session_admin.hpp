// Optional interfaces of a store beyond load and write.
//
// SessionAdmin: sessions found, listed and deleted by handle (the CLI, the
// admin API). Only stores that keep sessions on a server can: LMDB and
// Redis; a sealed-cookie store has nothing to list. A store that keeps a
// secondary index (sessions by a data key) adds its lookups here.
//
// ExpirySweep: deleting expired sessions in the background. Only stores
// whose records do not expire by themselves need it (LMDB; Redis uses TTLs).
//
// Both are synchronous and off the request path; implementations bound
// their own waits.
#pragma once

#include "session/session_record.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sessiongate::session {

/// One line of `sessions list`.
struct SessionSummary {
    std::string handle;
    std::int64_t created = 0;
    std::int64_t expires = 0;
    std::size_t bytes = 0;  // of the data JSON
};

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
};

class ExpirySweep {
public:
    virtual ~ExpirySweep() = default;
    /// Deletes every session expired at `now`; returns how many.
    virtual std::size_t sweep(std::int64_t now) = 0;
};

}  // namespace sessiongate::session
