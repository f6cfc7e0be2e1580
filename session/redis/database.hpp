// The Redis database of one store: its client, its key names and the bytes
// of its records. Records are sealed as LMDB's are (sealed_record.hpp),
// bound to their storage key, so a dump of the server yields neither live
// cookies nor session data.
#pragma once

#include "session/crypto/key_ring.hpp"
#include "session/redis/client.hpp"
#include "session/redis/keyspace.hpp"
#include "session/redis/script.hpp"
#include "session/session_record.hpp"

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sessiongate::session::redis {

class Database {
public:
    /// Starts connecting (in the background: a server that is down now is
    /// retried). Keeps its own copy of `ring`. Throws std::runtime_error on
    /// TLS files that cannot be read. `index_keys`: the session keys whose
    /// values are indexed (config `index`).
    Database(ClientSettings settings, std::string key_prefix, crypto::KeyRing ring,
             std::vector<std::string> index_keys = {});

    Client& client() { return *client_; }
    const Keyspace& keyspace() const { return keyspace_; }
    std::span<const std::string> index_keys() const { return index_keys_; }

    /// The bytes stored for `record` under `storage_key` (SHA-256 of the
    /// id); nullopt when sealing fails (the CSPRNG or OpenSSL).
    std::optional<std::string> encode(const SessionRecord& record, std::string_view storage_key) const;
    /// The record in `bytes` stored under `storage_key`; nullopt when they
    /// are not one (damaged, or sealed with a key no longer configured).
    std::optional<SessionRecord> decode(std::string_view bytes, std::string_view storage_key) const;

    /// Runs `commands` and waits (administration only); throws
    /// std::runtime_error when there is no answer or one is an error reply.
    std::vector<Reply> run_sync(std::vector<std::string> commands, Client::Clock::time_point deadline);
    /// The same for one script run.
    Reply run_sync(const Script& script, const std::vector<std::string>& keys, const std::vector<std::string>& args,
                   Client::Clock::time_point deadline);

private:
    Keyspace keyspace_;
    const std::vector<std::string> index_keys_;
    const crypto::KeyRing ring_;
    std::unique_ptr<Client> client_;  // last: its callbacks may use the rest while it stops
};

}  // namespace sessiongate::session::redis
