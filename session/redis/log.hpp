// The Redis client's own log lines, through the stores' log (store_log.hpp).
#pragma once

#include "config/config.hpp"

#include <string_view>

namespace sessiongate::session::redis {

/// {"event": event, "store": "redis", "server": server, "detail": detail}
void log_event(config::LogLevel level, std::string_view event, std::string_view server, std::string_view detail);

}  // namespace sessiongate::session::redis
