// The session store interface: LMDB now; Redis and encrypted cookies later
// implement the same interface and pass the same conformance suite
// (tests/unit/session/store_suite.hpp).
//
// A store is addressed by the cookie value the client holds. For server-side
// stores that value is the session id (43 base64url chars); the store keys
// its records by SHA-256 of it, so a copy of the store yields no live cookie.
//
// Completion callbacks may run on any thread (LMDB's writer thread, a Redis
// I/O thread) or inline before the call returns; callers hop back to their
// own executor.
#pragma once

#include <boost/json/object.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace sessiongate::session {

/// A stored session as the store returns it.
struct SessionRecord {
    std::string handle;         // X-Session-Id: fixed for the id's life
    std::string data_json;      // compact JSON object text, "{}" when empty
    std::int64_t created = 0;   // Unix seconds
    std::int64_t modified = 0;  // last save
    std::int64_t expires = 0;   // absolute: expires now unless saved again
    /// X-Session-Expiry as last set: nullopt = configured age, 0 = browser
    /// session cookie (server keeps it for the configured age), N = N seconds.
    std::optional<std::int64_t> expiry_seconds;
};

enum class LoadStatus {
    Found,
    NotFound,  // unknown id (or malformed cookie value)
    Expired,   // record present but past its expiry (treated as absent)
    Error,     // store unavailable
};

struct LoadResult {
    LoadStatus status = LoadStatus::NotFound;
    SessionRecord record;  // valid when Found
    std::string error;     // when Error
};

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

/// Everything one response asks of the store, applied atomically in one
/// transaction against the record as it is *now* (not as it was loaded), so
/// concurrent requests changing different keys never lose each other's work.
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

    std::int64_t now = 0;
    ExpiryPolicy policy;
    std::size_t max_bytes = 16384;
};

enum class WriteOutcome {
    Unchanged,  // nothing to do (no change, or empty new session)
    Saved,      // record stored; `cookie_value`/`record` describe it
    Deleted,    // session removed; the cookie must be expired
    Gone,       // the loaded session was deleted meanwhile: not brought back
    TooLarge,   // result over max_bytes: refused, previous session kept
    Full,       // store out of space even after growing
    Error,      // other store failure
};

struct WriteResult {
    WriteOutcome outcome = WriteOutcome::Unchanged;
    std::string cookie_value;  // when Saved: the value to set (id, or sealed cookie)
    SessionRecord record;      // when Saved: what is stored now
    std::string error;
};

/// One line of `sessions list`.
struct SessionSummary {
    std::string handle;
    std::int64_t created = 0;
    std::int64_t expires = 0;
    std::size_t bytes = 0;
};

class Store {
public:
    virtual ~Store() = default;

    using LoadCallback = std::function<void(LoadResult)>;
    using WriteCallback = std::function<void(WriteResult)>;

    /// Looks up the session a cookie value names. `now` decides expiry.
    virtual void load(std::string cookie_value, std::int64_t now, LoadCallback done) = 0;

    /// Applies a response's changes atomically; see SessionWrite.
    virtual void write(SessionWrite change, WriteCallback done) = 0;

    // Administration (CLI, admin API, sweeper): synchronous, off the hot path.

    /// Session by handle; nullopt when there is none.
    virtual std::optional<SessionRecord> find_by_handle(const std::string& handle) = 0;
    /// Deletes by handle; false when there was none.
    virtual bool remove_by_handle(const std::string& handle) = 0;
    /// Deletes every session expired at `now`; returns how many.
    virtual std::size_t sweep(std::int64_t now) = 0;
    virtual std::size_t count() = 0;
    /// Up to `limit` summaries, in handle order, starting after `after`.
    virtual std::vector<SessionSummary> list(std::size_t limit, const std::string& after) = 0;
};

}  // namespace sessiongate::session
