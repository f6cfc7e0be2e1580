// The three databases of the LMDB store and the operations that keep them
// consistent: every write or delete goes through insert_record/erase_record,
// so the handle and expiry indexes always match the records.
#pragma once

#include "session/lmdb.hpp"
#include "session/record_codec.hpp"
#include "session/store.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sessiongate::session {

struct LmdbTables {
    lmdb::Dbi sessions;  // storage key -> encoded record
    lmdb::Dbi handles;   // handle -> storage key (find, remove, list by handle)
    lmdb::Dbi expiry;    // be64(expires) || storage key -> empty (sweep in expiry order)
};

/// The expiry index key: big-endian so LMDB's byte order is time order.
std::string expiry_key(std::int64_t expires, std::string_view storage_key);
/// The time at the front of an expiry index key.
std::int64_t expiry_of(std::string_view index_key);

/// The record stored under `key`: empty when absent; `damaged` when the
/// bytes are not a record. The view lives as long as the transaction and
/// only until the next change made in it.
lmdb::Status read_record(const lmdb::Txn& txn, const LmdbTables& t, std::string_view key,
                         std::optional<RecordView>& record, bool& damaged);

/// Deletes a record and its index entries.
lmdb::Status erase_record(const lmdb::Txn& txn, const LmdbTables& t, std::string_view key,
                          const SessionRecord& record);

/// Stores a record (`encoded` = encode_record(record)) and its index entries.
lmdb::Status insert_record(const lmdb::Txn& txn, const LmdbTables& t, std::string_view key,
                           const SessionRecord& record, std::string_view encoded);

}  // namespace sessiongate::session
