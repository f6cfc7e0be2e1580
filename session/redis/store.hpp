// The Redis store: sessions shared by every replica that points at one
// redis-server. Records are sealed (sealed_record.hpp), keyed by a hash of
// the id and expire as Redis keys (TTL); a write is a compare-and-set
// applied by a Lua script, so concurrent changes through different replicas
// are all kept (commit.hpp). Calls never block the caller: replies come on
// the client's own I/O threads.
#pragma once

#include "config/config.hpp"
#include "session/crypto/key_ring.hpp"
#include "session/redis/admin.hpp"
#include "session/redis/database.hpp"
#include "session/redis/write_queue.hpp"
#include "session/store.hpp"

#include <atomic>
#include <memory>

namespace sessiongate::session {

class RedisStore final : public Store {
public:
    /// Starts connecting to `config.store.url` (a server that is down is
    /// retried in the background; calls fail fast meanwhile). Keeps its own
    /// copy of `ring`. Throws std::runtime_error on a bad URL, password
    /// file or TLS file.
    RedisStore(const config::Config& config, const crypto::KeyRing& ring);
    /// Pending calls are answered (Error) before it returns.
    ~RedisStore() override;

    void load(std::string cookie_value, std::int64_t now, Deadline deadline, LoadCallback done) override;
    void write(SessionWrite change, Deadline deadline, WriteCallback done) override;
    SessionAdmin* admin() override { return admin_.get(); }

private:
    std::atomic<bool> closing_{false};  // queued writes answer Error instead of starting
    redis::WriteQueue queue_;
    std::unique_ptr<redis::Database> db_;  // after queue_: stops first, its last callbacks still queue
    std::unique_ptr<redis::Admin> admin_;
};

}  // namespace sessiongate::session
