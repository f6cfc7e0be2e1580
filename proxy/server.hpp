// The running proxy: listener, I/O threads, admin listener, signals.
#pragma once

#include "config/config.hpp"

#include <functional>

namespace sessiongate::proxy {

/// Reloads the configuration (SIGHUP): returns the new config, or null after
/// logging why the old one stays.
using ConfigReloader = std::function<config::ConfigPtr()>;

/// Runs until SIGTERM/SIGINT (drains in-flight requests, returns 0).
/// Throws std::runtime_error when it cannot start (port taken, store unusable).
int run_server(config::ConfigPtr config, ConfigReloader reload);

}  // namespace sessiongate::proxy
