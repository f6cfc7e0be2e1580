// The write rules: what one SessionWrite makes of the session stored now.
//
// Pure: no store, no I/O, no clock. Each store reads the record stored under
// `write.current` inside its own atomic step (an LMDB write transaction, a
// Redis compare-and-set, a cookie opened), calls next_record(), and commits
// the result, so the rules live once and every store keeps them alike:
//
//   action first (flush: start afresh, cycle: new id and handle with the
//   same data, clear: same id with no data), then the patches in order,
//   then the expiry; a result with no data is deleted (internal fields
//   never keep a session by themselves); a result over max_bytes is refused and the stored one kept;
//   max_lifetime caps the expiry from creation and ends a session past it;
//   a session deleted or expired meanwhile is never brought back.
#pragma once

#include "session/session_record.hpp"
#include "session/session_write.hpp"

#include <optional>
#include <string>

namespace sessiongate::session {

/// What a write does to the store.
struct NextRecord {
    /// Never Full: only a store can run out of space.
    WriteOutcome outcome = WriteOutcome::Unchanged;
    /// The record stored under `write.current` is removed (or, when the
    /// result is saved under the same id, replaced).
    bool remove_current = false;
    /// When Saved: the record to store, and the id to store it under:
    /// `write.current`, or `write.fresh_id` when `new_id` (the store checks
    /// that it is free).
    SessionRecord record;
    std::string id;
    bool new_id = false;
    std::string error;  // when Error: the write itself is unusable
};

/// The next record for `write`, given `current`: the record stored under
/// `write.current` now, expired or not (nullptr when there is none or
/// `write.current` is empty). `current->data_json` must be a JSON object
/// text. Throws only std::bad_alloc.
NextRecord next_record(const SessionWrite& write, const SessionRecord* current);

}  // namespace sessiongate::session
