#include "session/lmdb/session_write.hpp"

#include "session/record_codec.hpp"
#include "session/session_id.hpp"
#include "session/write_rules.hpp"

namespace sessiongate::session::lmdb {
namespace {

Status refuse(WriteResult& result, std::string message) {
    result = WriteResult{};
    result.outcome = WriteOutcome::Error;
    result.error = std::move(message);
    return {};
}

/// The write rules against the record stored under `current_key` (if any),
/// committed through the tables.
Status commit_next(const Txn& txn, const Tables& t, const SessionWrite& w, const std::string& current_key,
                   const std::optional<SessionRecord>& current, WriteResult& result) {
    NextRecord next = next_record(w, current ? &*current : nullptr, t.index_keys);
    if (next.outcome == WriteOutcome::Error) return refuse(result, std::move(next.error));

    std::string key = current_key;
    if (next.outcome == WriteOutcome::Saved) {
        if (!is_encodable(next.record)) return refuse(result, "record fields over their limits");
        if (next.new_id) {
            if (!is_well_formed_session_id(next.id)) return refuse(result, "fresh_id is not a session id");
            key = storage_key(next.id);
            // Fresh ids are 256 random bits; a clash means a caller bug.
            std::optional<std::string_view> clash;
            if (Status s = get(txn, t.sessions, key, clash); !s.ok()) return s;
            if (!clash) {
                if (Status s = get(txn, t.handles, next.record.handle, clash); !s.ok()) return s;
            }
            if (clash) return refuse(result, "fresh id or handle already in use");
        }
    }
    std::optional<std::string> sealed;
    if (next.outcome == WriteOutcome::Saved) {
        sealed = seal_for_storage(t, key, next.record);
        if (!sealed) return refuse(result, "sealing the record failed (OpenSSL)");
    }
    // Changes only from here on, so a refusal above leaves the batch untouched.
    if (next.remove_current && current) {
        if (Status s = erase_record(txn, t, current_key, *current, &next.index.remove); !s.ok()) return s;
    }
    if (next.outcome == WriteOutcome::Saved) {
        if (Status s = insert_record(txn, t, key, next.record, *sealed, &next.index.add); !s.ok()) return s;
        result.cookie_value = std::move(next.id);
        result.record = std::move(next.record);
    }
    result.outcome = next.outcome;
    return {};
}

/// The record stored under `key`: empty when absent, or sealed with a
/// retired secret (no session of ours any more: load said so too, and the
/// write goes on as if it were gone); `problem` when damaged.
Status current_record(const Txn& txn, const Tables& t, const std::string& key, std::optional<SessionRecord>& current,
                      std::string& problem) {
    StoredRecord stored;
    if (Status s = read_record(txn, t, key, stored); !s.ok()) return s;
    if (stored.state == StoredRecord::State::Damaged)
        problem = "stored record is damaged: " + std::string(stored.problem);
    if (stored.state == StoredRecord::State::Opened) current = std::move(stored.record);
    return {};
}

}  // namespace

Status apply_session_write(const Txn& txn, const Tables& t, const SessionWrite& w, WriteResult& result) {
    result = WriteResult{};
    // A value that is not an id names no record here.
    std::string current_key;
    std::optional<SessionRecord> current;
    if (is_well_formed_session_id(w.current)) {
        current_key = storage_key(w.current);
        std::string problem;
        if (Status s = current_record(txn, t, current_key, current, problem); !s.ok()) return s;
        if (!problem.empty()) return refuse(result, std::move(problem));
    }
    return commit_next(txn, t, w, current_key, current, result);
}

Status apply_write_by_handle(const Txn& txn, const Tables& t, const std::string& handle, const SessionWrite& w,
                             WriteResult& result) {
    result = WriteResult{};
    if (w.action != SessionAction::None) return refuse(result, "a write by handle keeps the id: no action");
    std::optional<std::string_view> key_view;
    if (Status s = get(txn, t.handles, handle, key_view); !s.ok()) return s;
    std::string current_key(key_view.value_or(""));
    std::optional<SessionRecord> current;
    if (key_view) {
        std::string problem;
        if (Status s = current_record(txn, t, current_key, current, problem); !s.ok()) return s;
        if (!problem.empty()) return refuse(result, std::move(problem));
    }
    // The rules continue the session named by `current`: here the handle
    // stands for its id (a write by handle never changes the id).
    SessionWrite by_handle = w;
    by_handle.current = handle;
    return commit_next(txn, t, by_handle, current_key, current, result);
}

}  // namespace sessiongate::session::lmdb
