// Bytes sealed under a key ring:
//
//   key id (4) | nonce (12, random) | ciphertext | tag (16)
//
// The newest secret seals; any secret of the ring opens, picked by the key
// id, so a key rotation leaves everything sealed before readable. The tag
// covers the key id and the caller's associated data: the format version
// and whatever the bytes belong to (a cookie name, a record's storage key).
//
// Nonces are 96 random bits per seal. Past about 2^32 seals under one
// secret the chance of a repeated nonce passes 2^-33 (NIST SP 800-38D's
// bound), so a busy deployment rotates its key before that.
#pragma once

#include "session/crypto/key_ring.hpp"

#include <string>
#include <string_view>

namespace sessiongate::session::crypto {

inline constexpr std::size_t sealed_box_overhead = 4 + 12 + 16;  // key id, nonce, tag

enum class OpenFailure {
    None,
    TooShort,    // shorter than a box with nothing in it
    UnknownKey,  // sealed by a secret the ring does not hold (removed, or not ours)
    BadTag,      // tampered with, cut short, or moved to other associated data
};

/// Seals `plaintext` with the newest secret's key for `use` and appends the
/// box to `out`. False (and `out` unchanged) only when the CSPRNG or
/// OpenSSL fails.
bool seal_box(const KeyRing& ring, KeyUse use, std::string_view plaintext, std::string_view associated,
              std::string& out);

/// Opens a box made by seal_box with the same use and associated data,
/// appending the plaintext to `out` on success (`out` unchanged otherwise).
OpenFailure open_box(const KeyRing& ring, KeyUse use, std::string_view box, std::string_view associated,
                     std::string& out);

/// The key id a box names (its first bytes); empty when too short.
std::string_view box_key_id(std::string_view box);

/// A few words on a failure, for logs.
std::string_view describe(OpenFailure failure);

}  // namespace sessiongate::session::crypto
