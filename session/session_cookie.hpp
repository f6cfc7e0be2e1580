// The session cookie: finding it in requests, hiding it from the upstream,
// and the Set-Cookie values that set and delete it.
#pragma once

#include "config/config.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sessiongate::session {

/// Longest cookie value looked up: browsers keep at most 4096 bytes of name
/// and value, so a longer one was never set by us.
inline constexpr std::size_t max_cookie_value_bytes = 4096;

/// The session cookie among the request's Cookie headers.
struct CookieLookup {
    enum class Kind {
        Absent,
        Present,    // `value` is for the store to judge
        Malformed,  // empty or over max_cookie_value_bytes: never looked up
    } kind = Kind::Absent;
    std::string value;  // when Present
};

/// Finds cookie `name` in any of `cookie_headers` (RFC 6265 `a=b; c=d`).
/// The first one wins: browsers send the most specific path first.
CookieLookup find_session_cookie(const std::vector<std::string_view>& cookie_headers, std::string_view name);

/// `cookie_header` without cookie `name`; empty when nothing else is left.
std::string remove_cookie(std::string_view cookie_header, std::string_view name);

/// The name a Set-Cookie value sets (trimmed, before the first '=').
std::string_view set_cookie_name(std::string_view set_cookie);

/// Set-Cookie value setting the session cookie (no max_age: a browser-session
/// cookie, with no Max-Age/Expires). `secure` adds Secure; a `__Host-` or
/// `__Secure-` name, and SameSite=None, always get it (browsers refuse
/// them without).
std::string format_session_cookie(const config::CookieSettings& cookie, std::string_view value,
                                  std::optional<std::int64_t> max_age, std::int64_t now, bool secure);
/// Django's deletion cookie: empty value, Max-Age=0, Expires in 1970, same
/// Path/Domain.
std::string format_deletion_cookie(const config::CookieSettings& cookie, bool secure);

}  // namespace sessiongate::session
