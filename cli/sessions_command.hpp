// `sessiongate sessions list|show|delete|revoke|clear-expired` on the store
// of a (possibly running) instance. The store must exist: a command never
// creates one where a mistyped path points.
#pragma once

#include "config/config.hpp"

#include <string>

namespace sessiongate::cli {

/// How a command prints: aligned text for people, one JSON object per line
/// for scripts, or (show) the session's data alone.
enum class Output { Text, Json, Data };

/// Each prints to stdout/stderr and returns the process exit code
/// (0 ok, 1 handle not found, 2 usage or store error).
int sessions_list(const config::Config& config, Output output);
/// `by`: "KEY=VALUE", an indexed session key (config `index`) and its value.
int sessions_list_by(const config::Config& config, const std::string& by, Output output);
/// Deletes every session whose indexed key holds the value `by` names, but
/// the one with handle `except` (empty: none spared).
int sessions_revoke(const config::Config& config, const std::string& by, const std::string& except, Output output);
int sessions_show(const config::Config& config, const std::string& handle, Output output);
int sessions_delete(const config::Config& config, const std::string& handle, Output output);
int sessions_clear_expired(const config::Config& config, Output output);

}  // namespace sessiongate::cli
