// What one response asks of the session, as the store receives it, and what
// the store answers. The rules that turn a write and the stored record into
// the next record are in write_rules.hpp.
#pragma once

#include "session/session_record.hpp"

#include <boost/json/object.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sessiongate::session {

/// X-Session-Expiry as parsed.
struct ExpirySetting {
    enum class Kind { Seconds, BrowserSession, Default } kind = Kind::Default;
    std::int64_t seconds = 0;  // when Kind::Seconds (> 0)
};

enum class SessionAction { None, Flush, Cycle, Clear };

/// Expiry policy in force for one request (route overrides applied).
struct ExpiryPolicy {
    std::int64_t age = 1209600;     // idle expiry, seconds
    std::int64_t max_lifetime = 0;  // absolute from creation, 0 = none
};

/// Everything one response asks of the store, applied atomically against
/// the record as it is *now* (not as it was loaded), so concurrent requests
/// changing different keys never lose each other's work.
struct SessionWrite {
    /// Cookie value the request carried and that loaded an active session;
    /// empty when the request had no active session.
    std::string current;
    /// Fresh identity, used when a new session starts or on cycle/flush.
    std::string fresh_id;
    std::string fresh_handle;

    SessionAction action = SessionAction::None;
    std::vector<boost::json::object> patches;  // RFC 7386 merge patches, in order
    std::optional<ExpirySetting> expiry;
    bool touch = false;  // save even if unmodified (rolling expiry)
    /// Internal fields to set (a value) or remove (nullopt), after the action.
    std::map<std::string, std::optional<std::string>> internal;

    std::int64_t now = 0;
    ExpiryPolicy policy;
    std::size_t max_bytes = 16384;  // of the data JSON
};

enum class WriteOutcome {
    Unchanged,  // nothing to do (no change, or empty new session)
    Saved,      // record stored; `cookie_value`/`record` describe it
    Deleted,    // session removed; the cookie must be expired
    Gone,       // the loaded session was deleted meanwhile: not brought back
    TooLarge,   // result over max_bytes: refused, previous session kept
    Full,       // store out of space even after growing
    Error,      // store failure (unreachable, timed out, damaged record)
};

struct WriteResult {
    WriteOutcome outcome = WriteOutcome::Unchanged;
    std::string cookie_value;  // when Saved: the value to set (id, or sealed cookie)
    SessionRecord record;      // when Saved: what is stored now
    std::string error;

    /// What a caller takes for an answer that did not come by the deadline
    /// (the write may still happen, or may have).
    static WriteResult timed_out() { return {WriteOutcome::Error, {}, {}, "no answer within timeouts.store"}; }
};

}  // namespace sessiongate::session
