// Administration of the Redis store (`sessiongate sessions ...`, the admin
// API): sessions found, listed and deleted by handle. Synchronous, for
// callers off the request path; a Redis failure throws std::runtime_error
// naming it. count and list SCAN the handle keys (keyspace.hpp): their
// cost grows with the number of sessions, as a listing's does anyway. No
// sweep: Redis expires records by their TTL.
#pragma once

#include "session/redis/database.hpp"
#include "session/session_admin.hpp"

#include <chrono>
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

private:
    std::vector<Reply> run(std::vector<std::string> commands);
    /// Every handle with a key now, in byte order.
    std::set<std::string> handles();

    Database& db_;
    std::chrono::milliseconds timeout_;
};

}  // namespace sessiongate::session::redis
