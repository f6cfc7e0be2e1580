#include "sample_backend/json_text.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <cstdint>
#include <cstdio>

namespace sample_backend {

namespace {

void append_escape(std::string& out, std::uint32_t unit) {
    char buffer[8];
    std::snprintf(buffer, sizeof buffer, "\\u%04x", static_cast<unsigned>(unit));
    out += buffer;
}

void append_code_point(std::string& out, std::uint32_t cp) {
    if (cp < 0x10000) {
        append_escape(out, cp);
        return;
    }
    cp -= 0x10000;  // outside the BMP: a UTF-16 surrogate pair
    append_escape(out, 0xD800 + (cp >> 10));
    append_escape(out, 0xDC00 + (cp & 0x3FF));
}

/// Decodes the UTF-8 sequence at the start of `text` (whose first byte is
/// >= 0x80) into escapes; an invalid sequence becomes U+FFFD, one byte used.
std::size_t decode_utf8(std::string_view text, std::string& out) {
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
    const unsigned char lead = byte(0);
    const std::size_t length = lead >= 0xC2 && lead <= 0xDF   ? 2
                               : lead >= 0xE0 && lead <= 0xEF ? 3
                               : lead >= 0xF0 && lead <= 0xF4 ? 4
                                                              : 0;
    std::uint32_t cp = lead & (length == 4 ? 0x07 : length == 3 ? 0x0F : 0x1F);
    bool valid = length != 0 && length <= text.size();
    for (std::size_t k = 1; valid && k < length; ++k) {
        valid = (byte(k) & 0xC0) == 0x80;
        cp = (cp << 6) | (byte(k) & 0x3F);
    }
    // Overlong forms, surrogates and values beyond Unicode are invalid too.
    const std::uint32_t smallest = length == 4 ? 0x10000 : length == 3 ? 0x800 : 0x80;
    if (!valid || cp < smallest || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
        append_code_point(out, 0xFFFD);
        return 1;
    }
    append_code_point(out, cp);
    return length;
}

}  // namespace

std::string to_header_json(const boost::json::value& value) {
    // Boost.JSON escapes control characters but copies other bytes as they
    // are; every byte >= 0x80 in its output lies inside a string, so it can
    // be rewritten in place.
    const std::string utf8 = boost::json::serialize(value);
    std::string out;
    out.reserve(utf8.size());
    for (std::size_t i = 0; i < utf8.size();) {
        const auto lead = static_cast<unsigned char>(utf8[i]);
        if (lead < 0x80) {
            out += static_cast<char>(lead);
            ++i;
            continue;
        }
        i += decode_utf8(std::string_view(utf8).substr(i), out);
    }
    return out;
}

std::optional<boost::json::object> parse_object(std::string_view text) {
    boost::system::error_code ec;
    boost::json::value value = boost::json::parse(text, ec);
    if (ec || !value.is_object())
        return std::nullopt;
    return std::move(value.as_object());
}

}  // namespace sample_backend
