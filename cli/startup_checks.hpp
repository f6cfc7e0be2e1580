// What `run` checks before it binds, checked here without changing anything,
// so that a configuration `check-config` accepts is one `run` starts with:
// the secret keys, the store directory, the upstream's address, the TLS files.
#pragma once

#include "config/load.hpp"

#include <vector>

namespace sessiongate::cli {

/// The problems of a loaded (valid) configuration that only show when it
/// meets the machine, each placed where its key was set.
std::vector<config::Problem> startup_problems(const config::LoadResult& loaded);

}  // namespace sessiongate::cli
