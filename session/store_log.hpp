// The stores' own log lines (a Redis connection lost, a store error). The
// session library does not know how the program logs: the proxy hands it
// its logger at start, so these lines carry the time and level its other
// lines do and obey log.level. Without one (the command-line tools) a line
// goes to stderr as one JSON object.
#pragma once

#include "config/config.hpp"

#include <boost/json/object.hpp>

#include <string_view>

namespace sessiongate::session {

using StoreLogSink = void (*)(config::LogLevel level, std::string_view event, boost::json::object fields);

/// Where store lines go from now on (set once, before the store opens).
void set_store_log_sink(StoreLogSink sink);

/// {"event": event, ...fields}, to the sink or stderr.
void log_store_event(config::LogLevel level, std::string_view event, boost::json::object fields);

}  // namespace sessiongate::session
