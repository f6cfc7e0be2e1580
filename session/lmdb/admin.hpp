// Administration of the LMDB store: sessions by handle (through the handle
// table), by an indexed value (through the index table) and the sweep of
// expired ones (through the expiry table). Reads run in the caller's read
// transaction; changes queue behind the session writes and wait for their
// commit, so never call them from a write callback or an I/O thread.
#pragma once

#include "session/lmdb/environment.hpp"
#include "session/lmdb/writer.hpp"
#include "session/session_admin.hpp"

namespace sessiongate::session::lmdb {

class Admin final : public SessionAdmin, public ExpirySweep {
public:
    Admin(Environment& env, Writer& writer) : env_(env), writer_(writer) {}

    std::optional<SessionRecord> find_by_handle(const std::string& handle) override;
    bool remove_by_handle(const std::string& handle) override;
    std::size_t count() override;
    std::vector<SessionSummary> list(std::size_t limit, const std::string& after) override;
    WriteResult write_by_handle(const std::string& handle, SessionWrite write) override;
    std::span<const std::string> index_keys() const override { return env_.tables().index_keys; }
    IndexPage find_by_index(const IndexEntry& entry, std::int64_t now, std::size_t limit,
                            const std::string& cursor) override;
    std::size_t remove_by_index(const IndexEntry& entry, const std::string& except_handle) override;

    /// In chunks of short transactions, so session writes queued meanwhile
    /// are not held up behind a large sweep.
    std::size_t sweep(std::int64_t now) override;

private:
    Environment& env_;
    Writer& writer_;
};

}  // namespace sessiongate::session::lmdb
