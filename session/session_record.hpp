// A stored session as every store hands it out, whatever keeps it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace sessiongate::session {

/// Longest handle a record may carry (a handle is base64url of 32 bytes, 43
/// characters; the bound leaves room and stays under LMDB's key limit).
inline constexpr std::size_t max_handle_bytes = 255;

struct SessionRecord {
    std::string handle;         // X-Session-Id: fixed for the id's life
    std::string data_json;      // compact JSON object text, "{}" when empty
    std::int64_t created = 0;   // Unix seconds
    std::int64_t modified = 0;  // last save
    std::int64_t expires = 0;   // absolute: expires now unless saved again
    /// X-Session-Expiry as last set: nullopt = configured age, 0 = browser
    /// session cookie (server keeps it for the configured age), N = N seconds.
    std::optional<std::int64_t> expiry_seconds;
    /// Values the proxy keeps with a session for itself, never part of its
    /// data and never shown to the upstream as data (a CSRF secret). They
    /// follow the data: kept by updates and cycle, dropped by flush and clear.
    std::map<std::string, std::string> internal;

    friend bool operator==(const SessionRecord&, const SessionRecord&) = default;
};

}  // namespace sessiongate::session
