#include "session/session_id.hpp"

#include "session/digest.hpp"

namespace sessiongate::session {

namespace {

constexpr std::string_view base64url_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

constexpr std::size_t session_id_bytes = 32;

/// The 6-bit value of a base64url character, or -1.
constexpr int base64url_value(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '-') return 62;
    if (c == '_') return 63;
    return -1;
}

}  // namespace

std::string base64url_encode(std::string_view bytes) {
    std::string text;
    text.reserve((bytes.size() * 4 + 2) / 3);
    std::size_t i = 0;
    auto byte = [&](std::size_t at) { return static_cast<unsigned>(static_cast<unsigned char>(bytes[at])); };
    for (; i + 3 <= bytes.size(); i += 3) {
        const unsigned group = byte(i) << 16 | byte(i + 1) << 8 | byte(i + 2);
        text += base64url_alphabet[(group >> 18) & 63];
        text += base64url_alphabet[(group >> 12) & 63];
        text += base64url_alphabet[(group >> 6) & 63];
        text += base64url_alphabet[group & 63];
    }
    const std::size_t rest = bytes.size() - i;
    if (rest == 1) {
        const unsigned group = byte(i) << 16;
        text += base64url_alphabet[(group >> 18) & 63];
        text += base64url_alphabet[(group >> 12) & 63];
    } else if (rest == 2) {
        const unsigned group = byte(i) << 16 | byte(i + 1) << 8;
        text += base64url_alphabet[(group >> 18) & 63];
        text += base64url_alphabet[(group >> 12) & 63];
        text += base64url_alphabet[(group >> 6) & 63];
    }
    return text;
}

std::string new_session_id() {
    return base64url_encode(random_bytes(session_id_bytes));
}

bool is_well_formed_session_id(std::string_view value) {
    if (value.size() != session_id_length) return false;
    for (char c : value)
        if (base64url_value(c) < 0) return false;
    // 43 characters carry 258 bits for 256: the last character's two low
    // bits are padding and must be zero, so each id has exactly one spelling
    // (no second cookie value naming the same session).
    return (base64url_value(value.back()) & 3) == 0;
}

std::string storage_key(std::string_view id) {
    return sha256(id);
}

}  // namespace sessiongate::session
