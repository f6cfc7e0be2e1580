// base64url without padding (RFC 4648 section 5), the alphabet of cookie
// values and handles. Decoding is strict: one spelling per byte string.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sessiongate::session::crypto {

std::string base64url_encode(std::string_view bytes);

/// The bytes `text` encodes; nullopt for a character outside the alphabet,
/// padding, a length no encoding has (4n+1), or non-zero bits after the
/// last byte. The last rule makes the encoding canonical, so a changed
/// character always changes the bytes (a cookie cannot be re-spelled).
std::optional<std::string> base64url_decode(std::string_view text);

/// The 6-bit value of a base64url character, or -1.
constexpr int base64url_value(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '-') return 62;
    if (c == '_') return 63;
    return -1;
}

}  // namespace sessiongate::session::crypto
