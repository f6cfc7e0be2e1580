// Checks that need several settings at once, values derived from others,
// and the features that parse but are not built yet.
#pragma once

#include "config/load.hpp"

#include <map>
#include <string>
#include <vector>

namespace sessiongate::config {

/// Where a key got its value, so a problem found later points there.
struct Origin {
    std::string file;   // file name, "environment" or "flags"
    int line = 0;       // 1-based line in the file; 0 otherwise
    std::string label;  // key path in a file, else the variable or flag name
};

/// By displayed key path: "cookie.samesite", "routes[1]", "routes[1].prefix".
using Origins = std::map<std::string, Origin>;

/// Fills in values that depend on others (max_response_header_bytes,
/// cookie.secure behind TLS), then returns every remaining problem.
std::vector<Problem> validate(Config& config, const Origins& origins, bool secret_keys_in_environment);

}  // namespace sessiongate::config
