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

}  // namespace

Status apply_session_write(const Txn& txn, const Tables& t, const SessionWrite& w, WriteResult& result) {
    result = WriteResult{};
    // A value that is not an id names no record here.
    std::string current_key;
    std::optional<SessionRecord> current;
    if (is_well_formed_session_id(w.current)) {
        current_key = storage_key(w.current);
        StoredRecord stored;
        if (Status s = read_record(txn, t, current_key, stored); !s.ok()) return s;
        if (stored.state == StoredRecord::State::Damaged)
            return refuse(result, "stored record is damaged: " + std::string(stored.problem));
        // A record sealed with a retired secret is no session of ours any
        // more (load said so too): the write goes on as if it were gone.
        if (stored.state == StoredRecord::State::Opened) current = std::move(stored.record);
    }

    NextRecord next = next_record(w, current ? &*current : nullptr);
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
        if (Status s = erase_record(txn, t, current_key, *current); !s.ok()) return s;
    }
    if (next.outcome == WriteOutcome::Saved) {
        if (Status s = insert_record(txn, t, key, next.record, *sealed); !s.ok()) return s;
        result.cookie_value = std::move(next.id);
        result.record = std::move(next.record);
    }
    result.outcome = next.outcome;
    return {};
}

}  // namespace sessiongate::session::lmdb
