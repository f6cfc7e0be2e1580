#include "session/lmdb_session_write.hpp"

#include "session/merge_patch.hpp"
#include "session/record_codec.hpp"
#include "session/session_id.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>

namespace sessiongate::session {
namespace {

/// The record a write starts from, copied out of the map before any change.
struct Existing {
    std::string key;
    SessionRecord record;
    bool alive = false;  // not expired at write.now
};

/// The write semantics of SessionWrite, against the record as it is now.
/// Reads first, decides, and changes the database only at the end, so a
/// refused write (TooLarge, Gone, Error) leaves the batch untouched.
class SessionWriteApplier {
public:
    SessionWriteApplier(const lmdb::Txn& txn, const LmdbTables& t, const SessionWrite& w)
        : txn_(txn), t_(t), w_(w) {}

    lmdb::Status apply(WriteResult& result) {
        result = WriteResult{};
        std::optional<Existing> old;
        if (!w_.current.empty()) {
            if (lmdb::Status s = load_current(old, result); !s.ok() || !result.error.empty()) {
                return s;
            }
            const bool alive = old && old->alive;
            // Never bring back a session deleted or expired meanwhile; only a
            // flush may go on, as it starts afresh anyway.
            if (!alive && w_.action != SessionAction::Flush) {
                result.outcome = WriteOutcome::Gone;
                return {};
            }
        }
        const bool alive = old && old->alive;
        const bool keeps_id =
            alive && (w_.action == SessionAction::None || w_.action == SessionAction::Clear);
        const bool keeps_data =
            alive && (w_.action == SessionAction::None || w_.action == SessionAction::Cycle);

        if (alive && w_.action == SessionAction::None && w_.patches.empty() && !w_.expiry &&
            !w_.touch) {
            result.outcome = WriteOutcome::Unchanged;
            return {};
        }

        // The identity and starting point of the result.
        SessionRecord next;
        std::string id;
        if (keeps_id) {
            id = w_.current;
            next.handle = old->record.handle;
        } else {
            id = w_.fresh_id;
            next.handle = w_.fresh_handle;
        }
        next.created = alive && w_.action != SessionAction::Flush ? old->record.created : w_.now;
        // Clear empties the session as Django's clear() does, which also
        // drops an expiry set on it (Django keeps that in the data).
        if (keeps_data) {
            next.expiry_seconds = old->record.expiry_seconds;
        }

        bool empty = false;
        if (keeps_data && w_.patches.empty()) {
            next.data_json = old->record.data_json;  // untouched: no reparse
            empty = next.data_json == "{}";
        } else {
            boost::json::object data;
            if (keeps_data && !parse_object(old->record.data_json, data)) {
                return fail(result, "stored session data is not a JSON object");
            }
            for (const auto& patch : w_.patches) {
                apply_merge_patch(data, patch);
            }
            empty = data.empty();
            if (!empty) next.data_json = boost::json::serialize(data);
        }
        if (empty) {
            if (old) {
                if (lmdb::Status s = erase_record(txn_, t_, old->key, old->record); !s.ok())
                    return s;
                result.outcome = WriteOutcome::Deleted;
            } else {
                result.outcome = WriteOutcome::Unchanged;
            }
            return {};
        }
        if (next.data_json.size() > w_.max_bytes) {
            result.outcome = WriteOutcome::TooLarge;
            return {};
        }

        if (w_.expiry) {
            switch (w_.expiry->kind) {
            case ExpirySetting::Kind::Seconds: next.expiry_seconds = w_.expiry->seconds; break;
            case ExpirySetting::Kind::BrowserSession: next.expiry_seconds = 0; break;
            case ExpirySetting::Kind::Default: next.expiry_seconds.reset(); break;
            }
        }
        const std::int64_t age =
            next.expiry_seconds && *next.expiry_seconds > 0 ? *next.expiry_seconds : w_.policy.age;
        next.modified = w_.now;
        next.expires = w_.now + age;
        if (w_.policy.max_lifetime > 0) {
            const std::int64_t cap = next.created + w_.policy.max_lifetime;
            if (cap <= w_.now) {
                // Past its absolute lifetime: it ends here, whatever was asked.
                if (old) {
                    if (lmdb::Status s = erase_record(txn_, t_, old->key, old->record); !s.ok())
                        return s;
                }
                result.outcome = WriteOutcome::Gone;
                return {};
            }
            next.expires = std::min(next.expires, cap);
        }

        if (!keeps_id) {
            if (!is_well_formed_session_id(id)) {
                return fail(result, "fresh_id is not a session id");
            }
            if (next.handle.empty() || next.handle.size() > max_handle_bytes) {
                return fail(result, "fresh_handle is empty or too long");
            }
        }
        const std::string key = keeps_id ? old->key : storage_key(id);
        const std::string encoded = encode_record(next);

        if (!keeps_id) {
            // Fresh ids are 256 random bits; a clash means a caller bug.
            std::optional<std::string_view> clash;
            if (lmdb::Status s = lmdb::get(txn_, t_.sessions, key, clash); !s.ok()) return s;
            if (!clash) {
                if (lmdb::Status s = lmdb::get(txn_, t_.handles, next.handle, clash); !s.ok())
                    return s;
            }
            if (clash) {
                return fail(result, "fresh id or handle already in use");
            }
        }
        if (old) {
            if (lmdb::Status s = erase_record(txn_, t_, old->key, old->record); !s.ok()) return s;
        }
        if (lmdb::Status s = insert_record(txn_, t_, key, next, encoded); !s.ok()) return s;

        result.outcome = WriteOutcome::Saved;
        result.cookie_value = id;
        result.record = std::move(next);
        return {};
    }

private:
    lmdb::Status load_current(std::optional<Existing>& old, WriteResult& result) {
        if (!is_well_formed_session_id(w_.current)) {
            return {};  // names nothing: treated as missing
        }
        std::string key = storage_key(w_.current);
        std::optional<RecordView> view;
        bool damaged = false;
        if (lmdb::Status s = read_record(txn_, t_, key, view, damaged); !s.ok()) return s;
        if (damaged) {
            fail(result, "stored record is damaged");
            return {};
        }
        if (view) {
            old = Existing{std::move(key), view->to_record(), view->expires > w_.now};
        }
        return {};
    }

    static bool parse_object(std::string_view text, boost::json::object& out) {
        boost::system::error_code ec;
        boost::json::value v = boost::json::parse(text, ec);
        if (ec || !v.is_object()) return false;
        out = std::move(v.as_object());
        return true;
    }

    static lmdb::Status fail(WriteResult& result, std::string message) {
        result = WriteResult{};
        result.outcome = WriteOutcome::Error;
        result.error = std::move(message);
        return {};
    }

    const lmdb::Txn& txn_;
    const LmdbTables& t_;
    const SessionWrite& w_;
};

}  // namespace

lmdb::Status apply_session_write(const lmdb::Txn& txn, const LmdbTables& tables,
                                 const SessionWrite& write, WriteResult& result) {
    return SessionWriteApplier(txn, tables, write).apply(result);
}

}  // namespace sessiongate::session
