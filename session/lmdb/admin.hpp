// Administration of the LMDB store: sessions by handle (through the handle
// table) and the sweep of expired ones (through the expiry table). Reads
// run in the caller's read transaction; deletions queue behind the session
// writes and wait for their commit, so never call them from a write
// callback.
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

    /// In chunks of short transactions, so session writes queued meanwhile
    /// are not held up behind a large sweep.
    std::size_t sweep(std::int64_t now) override;

private:
    Environment& env_;
    Writer& writer_;
};

}  // namespace sessiongate::session::lmdb
