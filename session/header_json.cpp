#include "session/header_json.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/locale/utf.hpp>

#include <algorithm>
#include <cstdio>

namespace sessiongate::session {
namespace {

void append_escape(std::string& out, unsigned unit) {
    char text[8];
    std::snprintf(text, sizeof text, "\\u%04x", unit & 0xffff);
    out += text;
}

/// Serialized JSON with DEL and every non-ASCII character escaped. Such
/// bytes occur only inside JSON strings, where the escape means the same.
std::string ascii_only(std::string_view json) {
    using utf8 = boost::locale::utf::utf_traits<char>;
    std::string out;
    out.reserve(json.size() + 16);
    for (auto at = json.begin(); at != json.end();) {
        const auto byte = static_cast<unsigned char>(*at);
        if (byte < 0x7f) {
            out += *at++;
            continue;
        }
        if (byte == 0x7f) {
            append_escape(out, 0x7f);
            ++at;
            continue;
        }
        const auto start = at;
        auto code = utf8::decode(at, json.end());
        if (code == boost::locale::utf::illegal || code == boost::locale::utf::incomplete) {
            // Boost.JSON writes valid UTF-8; a bad byte becomes U+FFFD and
            // what follows it is read afresh.
            code = 0xfffd;
            at = start + 1;
        }
        if (code > 0xffff) {
            code -= 0x10000;
            append_escape(out, 0xd800 + (code >> 10));
            append_escape(out, 0xdc00 + (code & 0x3ff));
        } else {
            append_escape(out, code);
        }
    }
    return out;
}

bool is_printable_ascii(std::string_view text) {
    return std::all_of(text.begin(), text.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
}

}  // namespace

std::string header_json(const boost::json::value& value) {
    std::string text = boost::json::serialize(value);
    return is_printable_ascii(text) ? text : ascii_only(text);
}

std::string header_json_object(std::string_view json_text) {
    if (json_text.empty()) return "{}";
    if (is_printable_ascii(json_text)) return std::string(json_text);
    boost::system::error_code ec;
    const auto value = boost::json::parse(json_text, ec);
    if (ec || !value.is_object()) return "{}";
    return header_json(value);
}

}  // namespace sessiongate::session
