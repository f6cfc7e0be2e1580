// RFC 6265 Cookie request headers and Set-Cookie dates.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sessiongate::session {

/// One `name=value` pair of a Cookie header; views into the header text.
struct CookiePair {
    std::string_view name;   // trimmed; empty for a piece without '='
    std::string_view value;  // trimmed, surrounding double quotes removed
    std::string_view text;   // the whole piece as sent, trimmed
};

/// Splits a Cookie header (`a=b; c=d`) into its pairs, in order. Lenient as
/// browsers and Django are: spaces around names, values and `;` are allowed,
/// empty pieces are skipped, the value runs to the next `;` (it may hold `=`).
std::vector<CookiePair> parse_cookie_header(std::string_view header);

/// RFC 9110 IMF-fixdate: "Thu, 01 Jan 1970 00:00:00 GMT".
std::string http_date(std::int64_t unix_seconds);

}  // namespace sessiongate::session
