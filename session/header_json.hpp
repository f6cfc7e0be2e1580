// JSON text that is safe as one HTTP header value.
#pragma once

#include <boost/json/value.hpp>

#include <string>
#include <string_view>

namespace sessiongate::session {

/// Compact JSON on one line with no control bytes: Boost.JSON escapes
/// characters below 0x20, and DEL (legal raw in JSON, not in a header) is
/// written as \u007f. Non-ASCII stays UTF-8.
std::string header_json(const boost::json::value& value);

/// `json_text` (a stored session) made header-safe: returned unchanged when it
/// already is, re-serialized when it holds raw control bytes, "{}" when it is
/// not a JSON object at all.
std::string header_json_object(std::string_view json_text);

}  // namespace sessiongate::session
