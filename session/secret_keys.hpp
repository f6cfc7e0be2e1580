// Secret keys, newest first (rotation), and the per-use keys derived from them.
#pragma once

#include "config/config.hpp"
#include "session/crypto/key_ring.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sessiongate::session {

/// Where SecretKeys::load takes the keys from, in its order of precedence.
enum class KeySource {
    Environment,  // SESSIONGATE_SECRET_KEYS
    File,         // secret_key_file
    Generated,    // the LMDB store's own key file, made on first start
    None,         // another store with neither: refused
};

class SecretKeys {
public:
    static KeySource source_for(const config::Config& config);

    /// The key file generated for the LMDB store: <store.path>/secret_key.
    static std::string generated_key_path(const config::Config& config);

    /// Keys from SESSIONGATE_SECRET_KEYS (comma-separated), else from
    /// `secret_key_file` (one per line, newest first, blank lines and `#`
    /// comments skipped); for the LMDB store with neither, a key file is
    /// generated (mode 0600) in the store directory and reused afterwards.
    /// Throws std::runtime_error with a clear message on failure.
    static SecretKeys load(const config::Config& config);

    /// The same keys, but never generated: nullopt when the configuration
    /// names none and no generated key file exists (for tools that only
    /// read a store, which must not create anything). Throws as load().
    static std::optional<SecretKeys> load_existing(const config::Config& config);

    explicit SecretKeys(std::vector<std::string> keys);

    const std::vector<std::string>& keys() const { return keys_; }

    /// The keys derived from them, one per use (crypto/key_ring.hpp).
    const crypto::KeyRing& ring() const { return ring_; }

    /// The handle shown as X-Session-Id: base64url(HMAC-SHA256(k, id)), k
    /// derived from the newest key for this use alone.
    std::string handle_for(std::string_view id) const;

private:
    std::vector<std::string> keys_;
    crypto::KeyRing ring_;
};

}  // namespace sessiongate::session
