#include "session/crypto/base64url.hpp"

namespace sessiongate::session::crypto {

namespace {

constexpr std::string_view alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

}  // namespace

std::string base64url_encode(std::string_view bytes) {
    std::string text;
    text.reserve((bytes.size() * 4 + 2) / 3);
    auto byte = [&](std::size_t at) { return static_cast<unsigned>(static_cast<unsigned char>(bytes[at])); };
    std::size_t i = 0;
    for (; i + 3 <= bytes.size(); i += 3) {
        const unsigned group = byte(i) << 16 | byte(i + 1) << 8 | byte(i + 2);
        for (int shift = 18; shift >= 0; shift -= 6) text += alphabet[(group >> shift) & 63];
    }
    const std::size_t rest = bytes.size() - i;  // 0, 1 or 2 bytes: 0, 2 or 3 characters
    if (rest > 0) {
        const unsigned group = byte(i) << 16 | (rest == 2 ? byte(i + 1) << 8 : 0);
        for (std::size_t c = 0; c <= rest; ++c) text += alphabet[(group >> (18 - 6 * c)) & 63];
    }
    return text;
}

std::optional<std::string> base64url_decode(std::string_view text) {
    if (text.size() % 4 == 1) return std::nullopt;
    std::string bytes;
    bytes.reserve(text.size() * 3 / 4);
    unsigned group = 0;
    int bits = 0;
    for (const char c : text) {
        const int value = base64url_value(c);
        if (value < 0) return std::nullopt;
        group = (group << 6 | static_cast<unsigned>(value)) & 0xffffff;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            bytes.push_back(static_cast<char>((group >> bits) & 0xff));
        }
    }
    // 2 or 4 bits left over after a partial group: they must be zero.
    if (bits > 0 && (group & ((1u << bits) - 1)) != 0) return std::nullopt;
    return bytes;
}

}  // namespace sessiongate::session::crypto
