// Opens the store the configuration names.
#pragma once

#include "config/config.hpp"
#include "session/secret_keys.hpp"
#include "session/store.hpp"

#include <memory>

namespace sessiongate::session {

/// `keys` are for stores that seal what they keep (each keeps a copy of the
/// key ring); null when none exist (a tool reading a store creates none),
/// and a store that needs them then refuses to open.
/// Throws std::runtime_error when the store cannot be opened.
std::unique_ptr<Store> open_store(const config::Config& config, const SecretKeys* keys);

}  // namespace sessiongate::session
