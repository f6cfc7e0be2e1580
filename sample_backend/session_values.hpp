// Typed reads of the session data the proxy sent in X-Session. The data is
// whatever an earlier response stored, so a wrong type reads as absent.
#pragma once

#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace sample_backend {

std::optional<long long> int_value(const boost::json::object& data, std::string_view key);
std::optional<std::string> string_value(const boost::json::object& data, std::string_view key);

}  // namespace sample_backend
