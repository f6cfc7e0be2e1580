#include "session/lmdb/admin.hpp"

#include "session/crypto/base64url.hpp"
#include "session/lmdb/session_write.hpp"

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

/// Walks the storage keys the index holds for `entry`, from the first after
/// `after` (empty: from the start), while `fn(storage key)` returns true.
template <class Fn>
Status each_indexed(const Txn& txn, const Tables& t, const IndexEntry& entry, std::string_view after, Fn&& fn) {
    const std::string key = index_key(entry.key, entry.value);
    Cursor cursor;
    Status s = Cursor::open(txn, t.index, cursor);
    std::optional<Cursor::Entry> at;
    if (s.ok()) s = cursor.get(MDB_SET_KEY, at, key);
    if (s.ok() && at && !after.empty()) {
        // The first storage key >= `after`, then past it if it is still there.
        s = cursor.get(MDB_GET_BOTH_RANGE, at, key, after);
        if (s.ok() && at && at->second == after) s = cursor.get(MDB_NEXT_DUP, at);
    }
    while (s.ok() && at) {
        if (!fn(at->second)) break;
        s = cursor.get(MDB_NEXT_DUP, at);
    }
    return s;
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
                out.push_back(summary_of(stored.record));
            }
            if (st.ok()) st = cursor.get(MDB_NEXT, entry);
        }
        return st;
    });
    if (!s.ok()) log_store_line("store_error", "list: " + s.message());
    return out;
}

WriteResult Admin::write_by_handle(const std::string& handle, SessionWrite write) {
    return writer_.run<WriteResult>(
        [handle, write = std::move(write)](const Txn& txn, const Tables& t, WriteResult& result) {
            return apply_write_by_handle(txn, t, handle, write, result);
        },
        WriteResult{WriteOutcome::Error, {}, {}, "the store could not commit the change"});
}

SessionAdmin::IndexPage Admin::find_by_index(const IndexEntry& entry, std::int64_t now, std::size_t limit,
                                             const std::string& cursor) {
    IndexPage page;
    std::string after;
    if (!cursor.empty()) {
        auto decoded = crypto::base64url_decode(cursor);
        if (!decoded) return page;  // not a cursor of ours: nothing after it
        after = std::move(*decoded);
    }
    Status s = env_.read([&](const Txn& txn) -> Status {
        Status st;
        std::string last;
        bool more = false;
        st = each_indexed(txn, env_.tables(), entry, after, [&](std::string_view key) {
            if (page.sessions.size() == limit) {
                more = true;
                return false;
            }
            StoredRecord stored;
            st = read_record(txn, env_.tables(), key, stored);
            if (!st.ok()) return false;
            // Expired but not swept yet: not a session any more.
            if (stored.state == StoredRecord::State::Opened && stored.record.expires > now)
                page.sessions.push_back(summary_of(stored.record));
            last = key;
            return true;
        });
        if (more) page.next = crypto::base64url_encode(last);
        return st;
    });
    if (!s.ok()) {
        log_store_line("store_error", "find_by_index: " + s.message());
        return {};
    }
    return page;
}

std::size_t Admin::remove_by_index(const IndexEntry& entry, const std::string& except_handle) {
    return writer_.run<std::size_t>(
        [entry, except_handle](const Txn& txn, const Tables& t, std::size_t& removed) -> Status {
            std::vector<std::string> keys;
            Status s = each_indexed(txn, t, entry, {}, [&](std::string_view key) {
                keys.emplace_back(key);
                return true;
            });
            for (std::size_t i = 0; s.ok() && i < keys.size(); ++i) {
                std::optional<SessionRecord> header;
                s = read_record_header(txn, t, keys[i], header);
                if (!s.ok() || !header || header->handle == except_handle) continue;
                s = erase_record(txn, t, keys[i], *header);
                if (s.ok()) ++removed;
            }
            return s;
        },
        0);
}

}  // namespace sessiongate::session::lmdb
