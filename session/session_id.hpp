// Session ids: 256 bits from the OS CSPRNG (OpenSSL RAND_bytes), base64url
// without padding: exactly 43 characters of [A-Za-z0-9_-].
#pragma once

#include "session/crypto/base64url.hpp"

#include <string>
#include <string_view>

namespace sessiongate::session {

inline constexpr std::size_t session_id_length = 43;

/// A fresh id. Throws std::runtime_error only if the CSPRNG fails.
std::string new_session_id();

/// True when `value` has exactly the shape of a session id. Anything else is
/// rejected before any store lookup.
bool is_well_formed_session_id(std::string_view value);

/// SHA-256 of the id: the key records are stored under.
std::string storage_key(std::string_view id);

using crypto::base64url_encode;

}  // namespace sessiongate::session
