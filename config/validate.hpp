// Checks that need several settings at once, values derived from others,
// and the features that parse but are not built yet.
#pragma once

#include "config/load.hpp"

#include <string>
#include <vector>

namespace sessiongate::config {

/// Fills in values that depend on others (max_response_header_bytes), then
/// returns every remaining problem.
std::vector<Problem> validate(Config& config, const Origins& origins, bool secret_keys_in_environment);

}  // namespace sessiongate::config
