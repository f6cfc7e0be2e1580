#include "session/lmdb/store.hpp"

#include "session/lmdb/admin.hpp"
#include "session/lmdb/environment.hpp"
#include "session/lmdb/session_write.hpp"
#include "session/lmdb/writer.hpp"
#include "session/session_id.hpp"

#include <cerrno>

namespace sessiongate::session {
namespace {

struct WriteJob final : lmdb::Job {
    WriteJob(SessionWrite w, Deadline at, Store::WriteCallback cb) : write(std::move(w)), done(std::move(cb)) {
        deadline = at;
    }

    lmdb::Status apply(const lmdb::Txn& txn, const lmdb::Tables& t) override {
        try {
            return lmdb::apply_session_write(txn, t, write, result);
        } catch (const std::exception& e) {
            // Only allocation can throw here. It might strike between two
            // puts, so the whole batch is abandoned rather than committed
            // with a half-written record.
            result = WriteResult{WriteOutcome::Error, {}, {}, e.what()};
            return lmdb::Status(ENOMEM);
        }
    }
    void finish(lmdb::BatchOutcome outcome, const std::string& error) override {
        switch (outcome) {
        case lmdb::BatchOutcome::Committed: break;
        case lmdb::BatchOutcome::Full: result = WriteResult{WriteOutcome::Full, {}, {}, error}; break;
        case lmdb::BatchOutcome::Error:
        case lmdb::BatchOutcome::TimedOut: result = WriteResult{WriteOutcome::Error, {}, {}, error}; break;
        }
        if (done) done(std::move(result));
    }

    SessionWrite write;
    Store::WriteCallback done;
    WriteResult result;
};

}  // namespace

LmdbStore::LmdbStore(const config::StoreSettings& settings, crypto::KeyRing ring,
                     std::vector<std::string> index_keys)
    : env_(std::make_unique<lmdb::Environment>(settings, std::move(ring), std::move(index_keys))),
      writer_(std::make_unique<lmdb::Writer>(*env_)),
      admin_(std::make_unique<lmdb::Admin>(*env_, *writer_)) {}

LmdbStore::~LmdbStore() {
    admin_.reset();
    writer_.reset();  // runs what is queued
    env_.reset();
}

void LmdbStore::load(std::string cookie_value, std::int64_t now, Deadline deadline, LoadCallback done) {
    LoadResult result;
    if (deadline < Deadline::clock::now()) {
        // Kept alike for every store: a call past its deadline is not made.
        done(LoadResult{LoadStatus::Error, {}, "deadline passed before the load"});
        return;
    }
    if (!is_well_formed_session_id(cookie_value)) {
        done(std::move(result));  // NotFound without a lookup
        return;
    }
    const std::string key = storage_key(cookie_value);
    lmdb::Status s = env_->read([&](const lmdb::Txn& txn) -> lmdb::Status {
        lmdb::StoredRecord stored;
        lmdb::Status st = lmdb::read_record(txn, env_->tables(), key, stored);
        if (!st.ok()) return st;
        switch (stored.state) {
        case lmdb::StoredRecord::State::Damaged:
            result.status = LoadStatus::Error;
            result.error = "stored record is damaged: " + std::string(stored.problem);
            break;
        case lmdb::StoredRecord::State::KeyRemoved:
            // Its secret was retired: the session is over, like an expired one.
            lmdb::log_store_line("record_key_removed", "a session sealed with a secret no longer in the key ring");
            [[fallthrough]];
        case lmdb::StoredRecord::State::Absent:
            result.status = LoadStatus::NotFound;
            break;
        case lmdb::StoredRecord::State::Opened:
            if (stored.record.expires <= now) {
                result.status = LoadStatus::Expired;
            } else {
                result.status = LoadStatus::Found;
                result.record = std::move(stored.record);
            }
            break;
        }
        return st;
    });
    if (!s.ok()) result = LoadResult{LoadStatus::Error, {}, "lmdb: " + s.message()};
    done(std::move(result));
}

void LmdbStore::write(SessionWrite change, Deadline deadline, WriteCallback done) {
    writer_->enqueue(std::make_unique<WriteJob>(std::move(change), deadline, std::move(done)));
}

SessionAdmin* LmdbStore::admin() { return admin_.get(); }

ExpirySweep* LmdbStore::expiry_sweep() { return admin_.get(); }

LmdbStore::Stats LmdbStore::stats() const {
    return Stats{writer_->jobs(), writer_->commits(), env_->grows(), env_->map_size(),
                 env_->used_bytes()};
}

}  // namespace sessiongate::session
