// The secret keys (newest first) and the keys derived from them, one per
// use, so a key made for one use never serves another.
//
// Every derived key comes from HKDF-SHA256 (RFC 5869, OpenSSL's EVP_KDF)
// with the secret as input keying material and a label per use as info.
// The session-handle key predates the others and keeps its first
// derivation, HMAC-SHA256(secret, label) = HKDF-Extract with the secret as
// salt and the label as input, so handles made earlier keep their values.
//
// Sealed bytes name the secret they were sealed with by a key id: four
// bytes of HKDF output of their own, which say nothing about any key, so
// opening picks its key without trial decryption.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sessiongate::session::crypto {

inline constexpr std::size_t derived_key_bytes = 32;  // AES-256, HMAC-SHA256
inline constexpr std::size_t key_id_bytes = 4;

enum class KeyUse : std::uint8_t {
    SessionHandle,  // X-Session-Id = HMAC(key, session id)
    SealedCookie,   // AES-256-GCM of the cookie store's cookies
    RecordData,     // AES-256-GCM of stored session data (LMDB, Redis)
};
inline constexpr std::size_t key_use_count = 3;

/// The HKDF info label of a use.
std::string_view label_of(KeyUse use);

using KeyId = std::array<unsigned char, key_id_bytes>;
using DerivedKey = std::array<unsigned char, derived_key_bytes>;

/// One secret's derived keys.
struct KeyRingEntry {
    KeyId id{};
    std::array<DerivedKey, key_use_count> keys{};

    const DerivedKey& key(KeyUse use) const { return keys[static_cast<std::size_t>(use)]; }
};

class KeyRing {
public:
    /// Derives the keys of every secret, newest first. A secret listed
    /// twice is kept once. Throws std::runtime_error for an empty list, two
    /// different secrets with one key id (one in 2^32 per pair: replace
    /// one), or an OpenSSL failure; start-up only.
    explicit KeyRing(const std::vector<std::string>& secrets);

    /// The newest secret's keys: these seal.
    const KeyRingEntry& newest() const { return entries_.front(); }

    /// The entry of the secret with this key id; nullptr when no secret of
    /// the ring has it (sealed with a key since removed, or not by us).
    const KeyRingEntry* find(std::string_view id) const;

    std::size_t size() const { return entries_.size(); }

private:
    std::vector<KeyRingEntry> entries_;
};

/// HKDF-SHA256 (extract and expand) of `secret`, `length` bytes, with an
/// empty salt. Throws std::runtime_error when OpenSSL fails.
std::string hkdf_sha256(std::string_view secret, std::string_view info, std::size_t length);

}  // namespace sessiongate::session::crypto
