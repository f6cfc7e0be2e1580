// JSON text that is safe as one HTTP header value: one line, no control
// bytes, and ASCII only (every other character as a \uXXXX escape), because
// frameworks decode header bytes differently (WSGI as Latin-1, so raw UTF-8
// "Zoë" would reach a Django view as "ZoÃ«").
#pragma once

#include <boost/json/value.hpp>

#include <string>
#include <string_view>

namespace sessiongate::session {

/// Compact JSON of `value`, ASCII only: Boost.JSON escapes characters below
/// 0x20; DEL and every non-ASCII character are written as \u escapes
/// (a surrogate pair above U+FFFF).
std::string header_json(const boost::json::value& value);

/// `json_text` (a stored session: a JSON object text) made header-safe:
/// returned unchanged when it is printable ASCII already, else re-serialized,
/// or "{}" when it does not parse as an object.
std::string header_json_object(std::string_view json_text);

}  // namespace sessiongate::session
