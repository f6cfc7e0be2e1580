// Structured logging: one JSON object per line on stdout, written with a
// single write(2) so lines from different threads never interleave.
#pragma once

#include <boost/json/object.hpp>

#include <string_view>

namespace sessiongate::proxy {

/// Writes {"time":..., "event": event, ...fields} as one line.
void log_event(std::string_view event, boost::json::object fields = {});

/// Same, on stderr-level problems: also carries "level":"error".
void log_error(std::string_view event, boost::json::object fields = {});

}  // namespace sessiongate::proxy
