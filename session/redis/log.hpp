// The Redis client's own log lines: one JSON object per line on stderr,
// written with a single fputs so lines from different threads never mix.
#pragma once

#include <string_view>

namespace sessiongate::session::redis {

/// {"event": event, "store": "redis", "server": server, "detail": detail}
void log_event(std::string_view event, std::string_view server, std::string_view detail);

}  // namespace sessiongate::session::redis
