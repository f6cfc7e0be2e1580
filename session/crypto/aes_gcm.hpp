// AES-256-GCM over OpenSSL EVP: authenticated encryption with associated
// data. No exceptions: the request path calls it; a failure is `false`.
#pragma once

#include "session/crypto/key_ring.hpp"

#include <initializer_list>
#include <string>
#include <string_view>

namespace sessiongate::session::crypto {

inline constexpr std::size_t gcm_nonce_bytes = 12;  // 96 bits, GCM's native IV size
inline constexpr std::size_t gcm_tag_bytes = 16;    // the full 128-bit tag, never truncated

/// Appends the ciphertext of `plaintext` and then its tag to `out`. The
/// tag covers the `associated` pieces in order (the pieces are not length-
/// prefixed: callers give each but the last a fixed size). `nonce` is
/// gcm_nonce_bytes long and must never repeat under one key. False when
/// OpenSSL fails; `out` is then left as it was.
bool aes256gcm_seal(const DerivedKey& key, std::string_view nonce, std::string_view plaintext,
                    std::initializer_list<std::string_view> associated, std::string& out);

/// Appends the plaintext of `sealed` (ciphertext then tag) to `out` when the
/// tag verifies for this key, nonce and associated data (OpenSSL compares it
/// in constant time); false otherwise, and `out` is left as it was.
bool aes256gcm_open(const DerivedKey& key, std::string_view nonce, std::string_view sealed,
                    std::initializer_list<std::string_view> associated, std::string& out);

}  // namespace sessiongate::session::crypto
