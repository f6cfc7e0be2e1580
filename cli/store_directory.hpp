// Checks on the LMDB store directory, made without opening the store: opening
// creates what is missing, which `check-config` and the `sessions` commands
// must never do.
#pragma once

#include <optional>
#include <string>

namespace sessiongate::cli {

/// Why `run` could not open or create the store at `path`, or nullopt.
std::optional<std::string> store_directory_problem(const std::string& path);

/// Why `path` does not hold a store a command could read, or nullopt: it
/// does not exist, is not a directory, or holds no LMDB data file.
std::optional<std::string> existing_store_problem(const std::string& path);

}  // namespace sessiongate::cli
