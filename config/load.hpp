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

/// Where a key got its value, so a problem found later points there.
struct Origin {
    std::string file;   // file name, "environment" or "flags"
    int line = 0;       // 1-based line in the file; 0 otherwise
    std::string label;  // key path in a file, else the variable or flag name
};

/// By displayed key path: "cookie.samesite", "routes[1]", "routes[1].prefix".
using Origins = std::map<std::string, Origin>;

/// A problem about `key`, placed where the key got its value, or against
/// `source` (the file, else "configuration") when it kept its default.
Problem locate(const Origins& origins, const std::string& source, const std::string& key, std::string message);

/// Overrides by key path ("listen", "store.path"), values in YAML flow form.
using Overrides = std::vector<std::pair<std::string, std::string>>;

struct LoadResult {
    ConfigPtr config;               // null when there are problems
    std::vector<Problem> problems;  // every problem, not just the first
    Origins origins;                // where each key given got its value
    std::string source;             // the file read ("" = none)

    /// A problem about `key` found after loading (a file it names cannot be
    /// read), placed where the key was set.
    Problem locate(const std::string& key, std::string message) const {
        return config::locate(origins, source, key, std::move(message));
    }
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
