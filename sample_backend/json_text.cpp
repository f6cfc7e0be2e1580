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

}  // namespace

std::string to_header_json(const boost::json::value& value) {
    // Boost.JSON emits valid UTF-8 and escapes control characters; every byte
    // >= 0x80 it emits lies inside a string, so it can be rewritten in place.
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
        const std::size_t length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
        std::uint32_t cp = lead & (length == 4 ? 0x07 : length == 3 ? 0x0F : 0x1F);
        for (std::size_t k = 1; k < length && i + k < utf8.size(); ++k)
            cp = (cp << 6) | (static_cast<unsigned char>(utf8[i + k]) & 0x3F);
        append_code_point(out, cp);
        i += length;
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
