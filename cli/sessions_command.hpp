// `sessiongate sessions list|show|delete|clear-expired` on the store of a
// (possibly running) instance.
#pragma once

#include "config/config.hpp"

#include <string>

namespace sessiongate::cli {

/// Each prints to stdout/stderr and returns the process exit code
/// (0 ok, 1 handle not found, 2 store error).
int sessions_list(const config::Config& config, bool json);
int sessions_show(const config::Config& config, const std::string& handle);
int sessions_delete(const config::Config& config, const std::string& handle);
int sessions_clear_expired(const config::Config& config);

}  // namespace sessiongate::cli
