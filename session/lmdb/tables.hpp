// The three databases of the LMDB store and the operations that keep them
// consistent: every write or delete goes through insert_record/erase_record,
// so the handle and expiry indexes always match the records. A secondary
// index (sessions by a data key) is one more table kept here, in the same
// transaction.
#pragma once

#include "session/lmdb/lmdb.hpp"
#include "session/record_codec.hpp"
#include "session/session_record.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sessiongate::session::lmdb {

struct Tables {
    Dbi sessions;  // storage key -> encoded record
    Dbi handles;   // handle -> storage key (find, remove, list by handle)
    Dbi expiry;    // be64(expires) || storage key -> empty (sweep in expiry order)

    /// Opens (creating) every table in `txn`.
    static Status open(const Txn& txn, Tables& out);
};

/// The expiry index key: big-endian so LMDB's byte order is time order.
std::string expiry_key(std::int64_t expires, std::string_view storage_key);
/// The time at the front of an expiry index key.
std::int64_t expiry_of(std::string_view index_key);

/// The record stored under `key`: empty when absent; `damaged` when the
/// bytes are not a record. The view lives as long as the transaction and
/// only until the next change made in it.
Status read_record(const Txn& txn, const Tables& t, std::string_view key, std::optional<RecordView>& record,
                   bool& damaged);

/// Deletes a record and its index entries.
Status erase_record(const Txn& txn, const Tables& t, std::string_view key, const SessionRecord& record);

/// Stores a record (`encoded` = encode_record(record)) and its index entries.
Status insert_record(const Txn& txn, const Tables& t, std::string_view key, const SessionRecord& record,
                     std::string_view encoded);

}  // namespace sessiongate::session::lmdb
