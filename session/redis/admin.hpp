// Administration of the Redis store (`sessiongate sessions ...`, the admin
// API): sessions found, listed, changed and deleted by handle, and by an
// indexed value. Synchronous, for callers off the request path; a Redis
// failure throws std::runtime_error naming it. count and list SCAN the
// handle keys (keyspace.hpp): their cost grows with the number of sessions,
// as a listing's does anyway. list pages in handle order, which a SCAN
// cursor cannot give (nor each key once), so a listing's first page SCANs
// every handle and the pages after it continue from that snapshot: one
// SCAN per listing. A session made meanwhile may be missed, as a SCAN
// already past it would miss it. A lookup by value reads the value's index set
// whole (SMEMBERS) and the records of one page (MGET): its cost grows with
// the sessions of that value, not of the store. Members whose record Redis
// has expired are skipped and pruned. No sweep: Redis expires records by
// their TTL.
#pragma once

#include "session/redis/database.hpp"
#include "session/session_admin.hpp"

#include <chrono>
#include <mutex>
#include <optional>
#include <set>

namespace sessiongate::session::redis {

class Admin final : public SessionAdmin {
public:
    /// Each Redis round trip waits at most `timeout`.
    Admin(Database& db, std::chrono::milliseconds timeout) : db_(db), timeout_(timeout) {}

    std::optional<SessionRecord> find_by_handle(const std::string& handle) override;
    bool remove_by_handle(const std::string& handle) override;
    std::size_t count() override;
    std::vector<SessionSummary> list(std::size_t limit, const std::string& after) override;
    WriteResult write_by_handle(const std::string& handle, SessionWrite write) override;
    std::span<const std::string> index_keys() const override { return db_.index_keys(); }
    IndexPage find_by_index(const IndexEntry& entry, std::int64_t now, std::size_t limit,
                            const std::string& cursor) override;
    std::size_t remove_by_index(const IndexEntry& entry, const std::string& except_handle) override;

private:
    std::vector<Reply> run(std::vector<std::string> commands);
    /// Every handle with a key now, in byte order.
    std::set<std::string> handles();
    /// The members of `entry`'s index set, sorted.
    std::vector<std::string> index_members(const IndexEntry& entry);
    /// The records `members` name (nullopt: gone, or damaged), with the
    /// bytes read; the gone ones are pruned from `entry`'s set.
    struct Indexed {
        std::string member;
        std::string bytes;
        std::optional<SessionRecord> record;
    };
    std::vector<Indexed> read_indexed(const IndexEntry& entry, std::span<const std::string> members);
    /// Deletes the record stored under `storage`, its handle key and its
    /// index entries, when it still holds `bytes`; false when it changed.
    bool remove_record(const std::string& storage, const std::string& bytes, const SessionRecord& record);

    Database& db_;
    std::chrono::milliseconds timeout_;

    /// What the last full page left to list, and its last handle: the
    /// `after` of the page that continues it.
    struct Listing {
        std::string last;
        std::set<std::string> handles;
    };
    std::mutex listing_mutex_;
    std::optional<Listing> listing_;
};

}  // namespace sessiongate::session::redis
