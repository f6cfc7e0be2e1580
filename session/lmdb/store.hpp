// The embedded default store: one LMDB environment in a directory.
//
// Each record's data is sealed at rest under the key ring's record key,
// bound to its storage key (session/sealed_record.hpp), so a copy of the
// files yields neither live cookies (records are keyed by a hash of the
// id) nor session data. A record sealed with a secret since removed from
// the ring reads as absent.
//
// Reads run on the caller's thread in a read-only transaction without locks;
// writes go through one writer thread that commits everything queued in one
// transaction (group commit) before running the callbacks. Another process
// (`sessiongate sessions ...`) may open the same directory meanwhile.
#pragma once

#include "config/config.hpp"
#include "session/crypto/key_ring.hpp"
#include "session/store.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace sessiongate::session {

namespace lmdb {
class Admin;
class Environment;
class Writer;
}  // namespace lmdb

class LmdbStore final : public Store {
public:
    /// Opens (creating if needed) the environment at `settings.path`;
    /// `ring` (a copy is kept) seals and opens the records; the session keys
    /// `index_keys` (config `index`) get a secondary index.
    /// Throws std::runtime_error when it cannot be opened. One process may
    /// hold only one LmdbStore per directory (an LMDB rule).
    LmdbStore(const config::StoreSettings& settings, crypto::KeyRing ring, std::vector<std::string> index_keys = {});
    /// Runs the writes still queued, then closes. Call nothing concurrently.
    ~LmdbStore() override;

    LmdbStore(const LmdbStore&) = delete;
    LmdbStore& operator=(const LmdbStore&) = delete;

    /// Synchronous: answers before it returns (Error only if the deadline
    /// had passed already).
    void load(std::string cookie_value, std::int64_t now, Deadline deadline, LoadCallback done) override;
    /// Queued for the writer; a write still queued at its deadline is
    /// answered Error without being applied.
    void write(SessionWrite change, Deadline deadline, WriteCallback done) override;

    SessionAdmin* admin() override;
    ExpirySweep* expiry_sweep() override;

    struct Stats {
        std::uint64_t jobs = 0;     // writes and admin operations applied
        std::uint64_t commits = 0;  // write transactions committed
        std::uint64_t map_grows = 0;
        std::uint64_t map_size = 0;  // bytes, now
        std::uint64_t map_used = 0;  // bytes of it holding data
    };
    Stats stats() const;

private:
    std::unique_ptr<lmdb::Environment> env_;
    std::unique_ptr<lmdb::Writer> writer_;  // goes before the environment
    std::unique_ptr<lmdb::Admin> admin_;
};

}  // namespace sessiongate::session
