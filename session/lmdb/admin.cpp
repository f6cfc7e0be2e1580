#include "session/lmdb/admin.hpp"

namespace sessiongate::session::lmdb {
namespace {

constexpr std::size_t sweep_chunk = 1000;  // expired sessions deleted per transaction

struct SweepChunk {
    std::size_t removed = 0;  // sessions deleted
    std::size_t scanned = 0;  // index entries consumed; a full chunk means maybe more
};

/// Deletes up to sweep_chunk sessions expired at `now`, in expiry order.
Status sweep_chunk_at(const Txn& txn, const Tables& t, std::int64_t now, SweepChunk& chunk) {
    std::vector<std::string> due;
    {
        Cursor cursor;
        Status s = Cursor::open(txn, t.expiry, cursor);
        std::optional<Cursor::Entry> entry;
        if (s.ok()) s = cursor.get(MDB_FIRST, entry);
        while (s.ok() && entry && due.size() < sweep_chunk && expiry_of(entry->first) <= now) {
            due.emplace_back(entry->first);
            s = cursor.get(MDB_NEXT, entry);
        }
        if (!s.ok()) return s;
    }
    for (const auto& index_key : due) {
        const std::string_view key = std::string_view(index_key).substr(8);
        // The clear header says when it expires: a record no key of the
        // ring opens any more is swept all the same.
        std::optional<SessionRecord> header;
        Status s = read_record_header(txn, t, key, header);
        if (!s.ok()) return s;
        if (header && header->expires <= now) {
            if (s = erase_record(txn, t, key, *header); !s.ok()) return s;
            ++chunk.removed;
        }
        // A stale index entry (record gone or re-saved) just goes.
        if (s = del(txn, t.expiry, index_key); !s.ok()) return s;
    }
    chunk.scanned = due.size();
    return {};
}

}  // namespace

std::optional<SessionRecord> Admin::find_by_handle(const std::string& handle) {
    std::optional<SessionRecord> found;
    env_.read([&](const Txn& txn) -> Status {
        std::optional<std::string_view> key;
        Status s = get(txn, env_.tables().handles, handle, key);
        if (!s.ok() || !key) return s;
        StoredRecord stored;
        s = read_record(txn, env_.tables(), *key, stored);
        if (s.ok() && stored.state == StoredRecord::State::Opened) found = std::move(stored.record);
        return s;
    });
    return found;
}

bool Admin::remove_by_handle(const std::string& handle) {
    return writer_.run<bool>(
        [handle](const Txn& txn, const Tables& t, bool& removed) -> Status {
            std::optional<std::string_view> key_view;
            Status s = get(txn, t.handles, handle, key_view);
            if (!s.ok() || !key_view) return s;
            const std::string key(*key_view);
            std::optional<SessionRecord> header;
            s = read_record_header(txn, t, key, header);
            if (!s.ok()) return s;
            if (header) {
                s = erase_record(txn, t, key, *header);
            } else {
                // Index entry without record (or a damaged record): drop both.
                s = del(txn, t.sessions, key);
                if (s.ok()) s = del(txn, t.handles, handle);
            }
            removed = s.ok();
            return s;
        },
        false);
}

std::size_t Admin::sweep(std::int64_t now) {
    std::size_t total = 0;
    for (;;) {
        const SweepChunk chunk = writer_.run<SweepChunk>(
            [now](const Txn& txn, const Tables& t, SweepChunk& chunk) { return sweep_chunk_at(txn, t, now, chunk); },
            SweepChunk{});
        total += chunk.removed;
        if (chunk.scanned < sweep_chunk) break;
    }
    return total;
}

std::size_t Admin::count() {
    std::size_t n = 0;
    env_.read([&](const Txn& txn) { return entries(txn, env_.tables().sessions, n); });
    return n;
}

std::vector<SessionSummary> Admin::list(std::size_t limit, const std::string& after) {
    std::vector<SessionSummary> out;
    Status s = env_.read([&](const Txn& txn) -> Status {
        Cursor cursor;
        Status st = Cursor::open(txn, env_.tables().handles, cursor);
        std::optional<Cursor::Entry> entry;
        if (st.ok()) st = after.empty() ? cursor.get(MDB_FIRST, entry) : cursor.get(MDB_SET_RANGE, entry, after);
        if (st.ok() && entry && !after.empty() && entry->first == after) st = cursor.get(MDB_NEXT, entry);
        while (st.ok() && entry && out.size() < limit) {
            StoredRecord stored;
            st = read_record(txn, env_.tables(), entry->second, stored);
            if (st.ok() && stored.state == StoredRecord::State::Opened) {
                const auto& r = stored.record;
                out.push_back(SessionSummary{r.handle, r.created, r.expires, r.data_json.size()});
            }
            if (st.ok()) st = cursor.get(MDB_NEXT, entry);
        }
        return st;
    });
    if (!s.ok()) log_store_line("store_error", "list: " + s.message());
    return out;
}

}  // namespace sessiongate::session::lmdb
