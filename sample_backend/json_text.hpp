// JSON as it travels in header values.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace sample_backend {

/// Compact JSON in plain ASCII: characters beyond ASCII become \uXXXX escapes,
/// because a header value carries bytes, and non-ASCII bytes there are
/// obsolete syntax that some intermediaries mangle or reject.
std::string to_header_json(const boost::json::value& value);

/// The object a header value holds, or nothing when it is not a JSON object.
std::optional<boost::json::object> parse_object(std::string_view text);

}  // namespace sample_backend
