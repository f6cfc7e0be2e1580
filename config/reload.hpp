// What a reload (SIGHUP) may change in a running process. The listeners,
// the I/O threads, the store and the secret keys are set up once at start:
// a new value for one of them waits for a restart, and the operator is told.
#pragma once

#include "config/config.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace sessiongate::config {

struct Reload {
    ConfigPtr config;                           // what to apply now
    std::vector<std::string> restart_required;  // key paths kept at their running value
};

/// True for the settings a reload does not change: "listen", "admin",
/// "threads", "secret_key_file" and every "store.*".
bool needs_restart(std::string_view key);

/// `next` with the running value kept for each setting that needs a restart
/// (needs_restart); each one that differed is named.
Reload plan_reload(const Config& running, const Config& next);

}  // namespace sessiongate::config
