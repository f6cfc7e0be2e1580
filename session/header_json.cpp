#include "session/header_json.hpp"

#include "base/http_text.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace sessiongate::session {

using namespace text;

std::string header_json(const boost::json::value& value) {
    std::string text = boost::json::serialize(value);
    // DEL only occurs inside JSON strings (UTF-8 continuation bytes are
    // >= 0x80), where \u007f means the same.
    for (std::size_t at = text.find('\x7f'); at != std::string::npos; at = text.find('\x7f', at))
        text.replace(at, 1, "\\u007f");
    return text;
}

std::string header_json_object(std::string_view json_text) {
    if (json_text.empty()) return "{}";
    if (is_safe_header_value(json_text)) return std::string(json_text);
    boost::system::error_code ec;
    const auto value = boost::json::parse(json_text, ec);
    if (ec || !value.is_object()) return "{}";
    return header_json(value);
}

}  // namespace sessiongate::session
