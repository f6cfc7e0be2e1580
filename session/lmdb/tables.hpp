// The databases of the LMDB store and the operations that keep them
// consistent: every write or delete goes through insert_record/erase_record,
// so the handle, expiry and secondary indexes always match the records, in
// the same transaction.
//
// Records are stored sealed at rest (session/sealed_record.hpp): their data
// under the key ring's record key, bound to the storage key. Records of
// the clear versions (written before sealing) still read, and are sealed
// with the newest key when next written.
#pragma once

#include "session/crypto/key_ring.hpp"
#include "session/lmdb/lmdb.hpp"
#include "session/session_record.hpp"
#include "session/write_rules.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sessiongate::session::lmdb {

struct Tables {
    Dbi sessions;  // storage key -> encoded record
    Dbi handles;   // handle -> storage key (find, remove, list by handle)
    Dbi expiry;    // be64(expires) || storage key -> empty (sweep in expiry order)
    /// Seals and opens the records' data; the environment's own.
    const crypto::KeyRing* ring = nullptr;
    /// The secondary index: index_key(key, value) -> storage keys (sorted
    /// duplicates), for the session keys of config `index`.
    Dbi index;
    Dbi meta;  // "index_keys" -> the keys the index was built for
    std::vector<std::string> index_keys;

    /// Opens (creating) every table in `txn`. When the index was built for
    /// other keys than `index_keys` (or none), it is rebuilt from the records.
    static Status open(const Txn& txn, std::vector<std::string> index_keys, Tables& out);
};

/// The secondary index's key for one entry: the session key, a NUL, the value.
std::string index_key(std::string_view key, std::string_view value);

/// The expiry index key: big-endian so LMDB's byte order is time order.
std::string expiry_key(std::int64_t expires, std::string_view storage_key);
/// The time at the front of an expiry index key.
std::int64_t expiry_of(std::string_view index_key);

/// What is stored under a storage key.
struct StoredRecord {
    enum class State {
        Absent,
        Opened,      // `record` holds it
        Damaged,     // bytes that are not a record, or fail their tag
        KeyRemoved,  // sealed with a secret no longer in the key ring
    } state = State::Absent;
    SessionRecord record;
    std::string_view problem;  // when Damaged or KeyRemoved, for logs
};

/// The record stored under `key`, opened.
Status read_record(const Txn& txn, const Tables& t, std::string_view key, StoredRecord& out);

/// The clear header of the record under `key` (times, handle; no data),
/// read without opening it: nullopt when absent or damaged.
Status read_record_header(const Txn& txn, const Tables& t, std::string_view key,
                          std::optional<SessionRecord>& header);

/// `record` sealed for `key` with the newest key; nullopt when OpenSSL or
/// the CSPRNG fails.
std::optional<std::string> seal_for_storage(const Tables& t, std::string_view key, const SessionRecord& record);

/// Deletes a record, its handle and expiry entries, and the secondary index
/// entries `index` (by default all of the record's).
Status erase_record(const Txn& txn, const Tables& t, std::string_view key, const SessionRecord& record,
                    const std::vector<IndexEntry>* index = nullptr);

/// Stores a record (`encoded` = seal_for_storage(t, key, record), or in
/// tests an older version's bytes), its handle and expiry entries, and the
/// secondary index entries `index` (by default all of the record's).
Status insert_record(const Txn& txn, const Tables& t, std::string_view key, const SessionRecord& record,
                     std::string_view encoded, const std::vector<IndexEntry>* index = nullptr);

}  // namespace sessiongate::session::lmdb
