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
//
// The secondary index (`index: [member_id]`) is computed here too: each
// write says which index entries leave with the record stored now and which
// come with the next one, so every store keeps its index alike (LMDB in the
// same write transaction, Redis in the same script).
#pragma once

#include "session/session_record.hpp"
#include "session/session_write.hpp"

#include <compare>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sessiongate::session {

/// Longest value text indexed; a longer value is not indexed (it is data,
/// not an identity to look sessions up by).
inline constexpr std::size_t max_index_value_bytes = 200;

/// One entry of the secondary index: an indexed session key and its value
/// as text. Strings index as their content, numbers and booleans as their
/// JSON text (so 42 and "42" are one value, as a query string cannot tell
/// them apart); null, objects, arrays and over-long values are not indexed.
struct IndexEntry {
    std::string key;
    std::string value;
    friend auto operator<=>(const IndexEntry&, const IndexEntry&) = default;
};

/// The index entries of a session's data (a JSON object text), sorted; none
/// when `data_json` is not an object.
std::vector<IndexEntry> index_entries(std::span<const std::string> keys, std::string_view data_json);

/// The index value `text` names in a lookup (`member_id=42`): the text
/// itself, or nullopt when no stored value could index as it.
std::optional<std::string> index_lookup_value(std::string_view text);

/// The entry a lookup by `key` and `value` names (`?member_id=42`,
/// `--by member_id=42`), or nullopt with `problem` saying why it names none:
/// `key` is not one of `index_keys`, or no stored value could index as `value`.
std::optional<IndexEntry> index_lookup(std::span<const std::string> index_keys, std::string_view key,
                                       std::string_view value, std::string& problem);

/// What one write does to the index: `remove` goes with the record stored
/// under `write.current`, `add` with the id the next record is stored under
/// (the same id, or the new one). Under the same id only the difference is
/// listed; a new id moves every entry.
struct IndexChanges {
    std::vector<IndexEntry> remove;
    std::vector<IndexEntry> add;
    bool empty() const { return remove.empty() && add.empty(); }
};

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
    /// The index entries to change with it (only with `index_keys` given).
    IndexChanges index;
};

/// The next record for `write`, given `current`: the record stored under
/// `write.current` now, expired or not (nullptr when there is none or
/// `write.current` is empty). `current->data_json` must be a JSON object
/// text. `index_keys` are the indexed session keys (config `index`).
/// Throws only std::bad_alloc.
NextRecord next_record(const SessionWrite& write, const SessionRecord* current,
                       std::span<const std::string> index_keys = {});

}  // namespace sessiongate::session
