#include "session/lmdb/tables.hpp"

#include "session/sealed_record.hpp"

#include <algorithm>

namespace sessiongate::session::lmdb {

Status Tables::open(const Txn& txn, Tables& out) {
    Status s = Dbi::open(txn, "sessions", MDB_CREATE, out.sessions);
    if (s.ok()) s = Dbi::open(txn, "handles", MDB_CREATE, out.handles);
    if (s.ok()) s = Dbi::open(txn, "expiry", MDB_CREATE, out.expiry);
    return s;
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

Status erase_record(const Txn& txn, const Tables& t, std::string_view key, const SessionRecord& record) {
    if (Status s = del(txn, t.sessions, key); !s.ok()) return s;
    std::optional<std::string_view> owner;
    if (Status s = get(txn, t.handles, record.handle, owner); !s.ok()) return s;
    if (owner && *owner == key) {
        if (Status s = del(txn, t.handles, record.handle); !s.ok()) return s;
    }
    return del(txn, t.expiry, expiry_key(record.expires, key));
}

Status insert_record(const Txn& txn, const Tables& t, std::string_view key, const SessionRecord& record,
                     std::string_view encoded) {
    if (Status s = put(txn, t.sessions, key, encoded); !s.ok()) return s;
    if (Status s = put(txn, t.handles, record.handle, key); !s.ok()) return s;
    return put(txn, t.expiry, expiry_key(record.expires, key), {});
}

}  // namespace sessiongate::session::lmdb
