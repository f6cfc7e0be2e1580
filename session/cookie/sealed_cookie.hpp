// The cookie store's cookie: the whole session sealed with AES-256-GCM.
//
//   value = base64url( version (1) | sealed box (crypto/sealed_box.hpp) )
//
// The box's tag covers the version and the cookie name, so a value cannot
// be replayed under another cookie name nor read as another version. The
// payload inside:
//
//   u8 length, id   the random id the handle was derived from
//   the record      as a store keeps it in the clear (record_codec.hpp):
//                   times, X-Session-Expiry, the handle (kept, so a key
//                   rotation does not change X-Session-Id), what the proxy
//                   keeps beside the data (a CSRF secret), and the data
//
// The record's own format version and fixtures carry over: any record
// encoding decode_record reads can be inside. Expiry is inside the seal,
// so a client cannot extend its session; a cookie past it opens as
// Expired.
#pragma once

#include "session/crypto/key_ring.hpp"
#include "session/store.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace sessiongate::session {

inline constexpr std::uint8_t sealed_cookie_version = 1;
/// What browsers keep of one cookie: name, '=' and value (RFC 6265 6.1).
inline constexpr std::size_t cookie_limit_bytes = 4096;

/// Everything a sealed cookie holds.
struct CookieSession {
    SessionRecord record;  // handle, data, times, X-Session-Expiry
    std::string id;        // random; the handle was derived from it
};

struct SealedCookie {
    enum class Outcome {
        Sealed,
        TooLarge,  // name=value would pass cookie_limit_bytes
        Invalid,   // an id over 255 bytes or a handle over max_handle_bytes: a caller bug
        Failed,    // the CSPRNG or OpenSSL failed
    } outcome = Outcome::Failed;
    std::string value;  // when Sealed
};

/// Seals `session` with the newest cookie key, for the cookie `cookie_name`.
SealedCookie seal_cookie(const crypto::KeyRing& ring, std::string_view cookie_name, const CookieSession& session);

enum class CookieRejection {
    None,
    NotBase64url,    // a character outside base64url, or a length no encoding has
    TooShort,        // shorter than an empty sealed cookie: cut off
    TooLong,         // longer than cookie_limit_bytes: not decoded at all
    UnknownVersion,  // a format this release does not read
    UnknownKey,      // sealed with a key not in the ring (removed, or another deployment's)
    BadTag,          // tampered with, cut off, or sealed for another cookie name
    BadPayload,      // authentic but not a payload this release wrote: a bug, never a crash
    Expired,         // authentic, past its expiry
};

struct OpenedCookie {
    CookieRejection rejection = CookieRejection::None;
    CookieSession session;  // when rejection is None

    explicit operator bool() const { return rejection == CookieRejection::None; }
};

/// Opens a cookie value; `now` (Unix seconds) decides expiry. Any input is
/// handled: a bad value is a rejection with its reason, never an exception
/// (but for allocation failure) or a crash.
OpenedCookie open_cookie(const crypto::KeyRing& ring, std::string_view cookie_name, std::string_view value,
                         std::int64_t now);

/// A few words on a rejection, for logs.
std::string_view describe(CookieRejection rejection);

}  // namespace sessiongate::session
