// YAML file + environment + flags -> validated Config, or every problem found.
#pragma once

#include "config/config.hpp"

#include <map>
#include <string>
#include <vector>

namespace sessiongate::config {

/// One problem, located: "sessiongate.yaml:12: cookie.samesite: must be one of Strict, Lax, None".
struct Problem {
    std::string file;  // file name, or "environment" / "flags"
    int line = 0;      // 1-based; 0 when not from the file
    std::string key;   // dotted key path
    std::string message;
    std::string text() const;
};

/// Overrides by key path ("listen", "store.path"), values in YAML flow form.
using Overrides = std::vector<std::pair<std::string, std::string>>;

struct LoadResult {
    ConfigPtr config;               // null when there are problems
    std::vector<Problem> problems;  // every problem, not just the first
};

/// Reads `path` (empty = defaults only), applies `SESSIONGATE_*` variables
/// from `environment` then `flags` (precedence flag > env > file > default),
/// and validates the result. Never throws for bad input.
LoadResult load_config(const std::string& path,
                       const std::map<std::string, std::string>& environment,
                       const Overrides& flags);

/// The process environment as a map (only SESSIONGATE_* entries).
std::map<std::string, std::string> sessiongate_environment();

}  // namespace sessiongate::config
