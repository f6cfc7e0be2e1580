// The embedded default store: one LMDB environment in a directory.
//
// Reads run on the caller's thread in a read-only transaction without locks;
// writes go through one writer thread that commits everything queued in one
// transaction (group commit) before running the callbacks. Another process
// (`sessiongate sessions ...`) may open the same directory meanwhile.
#pragma once

#include "config/config.hpp"
#include "session/store.hpp"

#include <cstdint>
#include <memory>

namespace sessiongate::session {

class LmdbStore final : public Store {
public:
    /// Opens (creating if needed) the environment at `settings.path`.
    /// Throws std::runtime_error when it cannot be opened. One process may
    /// hold only one LmdbStore per directory (an LMDB rule).
    explicit LmdbStore(const config::StoreSettings& settings);
    /// Runs the writes still queued, then closes. Call nothing concurrently.
    ~LmdbStore() override;

    LmdbStore(const LmdbStore&) = delete;
    LmdbStore& operator=(const LmdbStore&) = delete;

    void load(std::string cookie_value, std::int64_t now, LoadCallback done) override;
    void write(SessionWrite change, WriteCallback done) override;

    // The synchronous writes below queue behind the session writes and wait
    // for their commit: never call them from a write callback.

    /// The record even if it has expired but was not swept yet.
    std::optional<SessionRecord> find_by_handle(const std::string& handle) override;
    bool remove_by_handle(const std::string& handle) override;
    std::size_t sweep(std::int64_t now) override;
    std::size_t count() override;
    std::vector<SessionSummary> list(std::size_t limit, const std::string& after) override;

    struct Stats {
        std::uint64_t jobs = 0;     // writes and admin operations applied
        std::uint64_t commits = 0;  // write transactions committed
        std::uint64_t map_grows = 0;
        std::uint64_t map_size = 0;  // bytes, now
        std::uint64_t map_used = 0;  // bytes of it holding data
    };
    Stats stats() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace sessiongate::session
