// SHA-256 and HMAC-SHA256 over OpenSSL, returning raw digest bytes.
#pragma once

#include <string>
#include <string_view>

namespace sessiongate::session {

inline constexpr std::size_t sha256_length = 32;

/// Raw 32-byte SHA-256 of `data`.
std::string sha256(std::string_view data);

/// Raw 32-byte HMAC-SHA256 of `data` under `key`.
std::string hmac_sha256(std::string_view key, std::string_view data);

}  // namespace sessiongate::session
