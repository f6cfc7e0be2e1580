// Opens the store the configuration names.
#pragma once

#include "config/config.hpp"
#include "session/store.hpp"

#include <memory>

namespace sessiongate::session {

/// Throws std::runtime_error when the store cannot be opened.
std::unique_ptr<Store> open_store(const config::Config& config);

}  // namespace sessiongate::session
