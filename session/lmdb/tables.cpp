#include "session/lmdb/tables.hpp"

#include "session/sealed_record.hpp"

#include <algorithm>

namespace sessiongate::session::lmdb {
namespace {

constexpr std::string_view index_keys_name = "index_keys";

std::string joined(const std::vector<std::string>& keys) {
    std::string out;
    for (const auto& key : keys) out.append(key).push_back('\n');
    return out;
}

Status put_index(const Txn& txn, const Tables& t, std::string_view key, const std::vector<IndexEntry>& entries) {
    for (const auto& entry : entries)
        if (Status s = put(txn, t.index, index_key(entry.key, entry.value), key, MDB_NODUPDATA);
            !s.ok() && s.code() != MDB_KEYEXIST)
            return s;
    return {};
}

Status del_index(const Txn& txn, const Tables& t, std::string_view key, const std::vector<IndexEntry>& entries) {
    for (const auto& entry : entries) {
        const std::string k = index_key(entry.key, entry.value);
        MDB_val mk = to_val(k);
        MDB_val mv = to_val(key);
        if (Status s = mdb_del(txn.get(), t.index.id, &mk, &mv); !s.ok() && s.code() != MDB_NOTFOUND) return s;
    }
    return {};
}

/// Drops the index and enters every record's entries again.
Status rebuild_index(const Txn& txn, const Tables& t) {
    if (Status s = mdb_drop(txn.get(), t.index.id, 0); !s.ok()) return s;
    if (t.index_keys.empty()) return {};
    Cursor cursor;
    Status s = Cursor::open(txn, t.sessions, cursor);
    std::optional<Cursor::Entry> entry;
    if (s.ok()) s = cursor.get(MDB_FIRST, entry);
    while (s.ok() && entry) {
        auto opened = open_record(entry->second, entry->first, *t.ring);
        if (opened.record) s = put_index(txn, t, entry->first, index_entries(t.index_keys, opened.record->data_json));
        if (s.ok()) s = cursor.get(MDB_NEXT, entry);
    }
    return s;
}

}  // namespace

Status Tables::open(const Txn& txn, std::vector<std::string> index_keys, Tables& out) {
    Status s = Dbi::open(txn, "sessions", MDB_CREATE, out.sessions);
    if (s.ok()) s = Dbi::open(txn, "handles", MDB_CREATE, out.handles);
    if (s.ok()) s = Dbi::open(txn, "expiry", MDB_CREATE, out.expiry);
    if (s.ok()) s = Dbi::open(txn, "index", MDB_CREATE | MDB_DUPSORT, out.index);
    if (s.ok()) s = Dbi::open(txn, "meta", MDB_CREATE, out.meta);
    if (!s.ok()) return s;
    std::sort(index_keys.begin(), index_keys.end());
    index_keys.erase(std::unique(index_keys.begin(), index_keys.end()), index_keys.end());
    out.index_keys = std::move(index_keys);
    // Sessions saved while the index was off or for other keys are entered
    // now, so turning `index` on takes effect for every session at once.
    const std::string wanted = joined(out.index_keys);
    std::optional<std::string_view> built;
    if (s = get(txn, out.meta, index_keys_name, built); !s.ok()) return s;
    if (built.value_or("") == wanted) return {};
    if (s = rebuild_index(txn, out); !s.ok()) return s;
    return put(txn, out.meta, index_keys_name, wanted);
}

std::string index_key(std::string_view key, std::string_view value) {
    std::string out;
    out.reserve(key.size() + 1 + value.size());
    out.append(key).push_back('\0');
    out.append(value);
    return out;
}

std::string expiry_key(std::int64_t expires, std::string_view key) {
    const auto v = static_cast<std::uint64_t>(std::max<std::int64_t>(expires, 0));
    std::string out(8, '\0');
    for (int i = 0; i < 8; ++i) {
        out[i] = static_cast<char>((v >> (8 * (7 - i))) & 0xff);
    }
    out.append(key);
    return out;
}

std::int64_t expiry_of(std::string_view index_key) {
    std::uint64_t v = 0;
    for (int i = 0; i < 8 && i < static_cast<int>(index_key.size()); ++i) {
        v = (v << 8) | static_cast<unsigned char>(index_key[i]);
    }
    return static_cast<std::int64_t>(v);
}

Status read_record(const Txn& txn, const Tables& t, std::string_view key, StoredRecord& out) {
    std::optional<std::string_view> bytes;
    out = StoredRecord{};
    Status s = get(txn, t.sessions, key, bytes);
    if (!s.ok() || !bytes) return s;
    auto opened = open_record(*bytes, key, *t.ring);
    if (opened.record) {
        out.state = StoredRecord::State::Opened;
        out.record = std::move(*opened.record);
    } else {
        out.state = opened.key_removed ? StoredRecord::State::KeyRemoved : StoredRecord::State::Damaged;
        out.problem = opened.problem;
    }
    return s;
}

Status read_record_header(const Txn& txn, const Tables& t, std::string_view key,
                          std::optional<SessionRecord>& header) {
    std::optional<std::string_view> bytes;
    header.reset();
    Status s = get(txn, t.sessions, key, bytes);
    if (s.ok() && bytes) header = session::read_record_header(*bytes);
    return s;
}

std::optional<std::string> seal_for_storage(const Tables& t, std::string_view key, const SessionRecord& record) {
    return seal_record(record, key, *t.ring);
}

Status erase_record(const Txn& txn, const Tables& t, std::string_view key, const SessionRecord& record,
                    const std::vector<IndexEntry>* index) {
    if (!t.index_keys.empty()) {
        Status s;
        if (index) {
            s = del_index(txn, t, key, *index);
        } else {
            // `record` may be a header alone (the sweep reads no data): the
            // entries come from the stored data. A record no key opens any
            // more leaves its entries, which name no record: lookups skip them.
            StoredRecord stored;
            s = read_record(txn, t, key, stored);
            if (s.ok() && stored.state == StoredRecord::State::Opened)
                s = del_index(txn, t, key, index_entries(t.index_keys, stored.record.data_json));
        }
        if (!s.ok()) return s;
    }
    if (Status s = del(txn, t.sessions, key); !s.ok()) return s;
    std::optional<std::string_view> owner;
    if (Status s = get(txn, t.handles, record.handle, owner); !s.ok()) return s;
    if (owner && *owner == key) {
        if (Status s = del(txn, t.handles, record.handle); !s.ok()) return s;
    }
    return del(txn, t.expiry, expiry_key(record.expires, key));
}

Status insert_record(const Txn& txn, const Tables& t, std::string_view key, const SessionRecord& record,
                     std::string_view encoded, const std::vector<IndexEntry>* index) {
    if (Status s = put(txn, t.sessions, key, encoded); !s.ok()) return s;
    if (!t.index_keys.empty()) {
        const Status s = index ? put_index(txn, t, key, *index)
                               : put_index(txn, t, key, index_entries(t.index_keys, record.data_json));
        if (!s.ok()) return s;
    }
    if (Status s = put(txn, t.handles, record.handle, key); !s.ok()) return s;
    return put(txn, t.expiry, expiry_key(record.expires, key), {});
}

}  // namespace sessiongate::session::lmdb
