// The key rings of the sealed-cookie and sealed-record targets: an old
// secret and a new one, as during a key rotation.
#pragma once

#include "session/crypto/key_ring.hpp"

#include <string>

namespace sessiongate::fuzz {

/// Both secrets, the new one first: what a deployment mid-rotation opens with.
inline const session::crypto::KeyRing& current_ring() {
    static const session::crypto::KeyRing ring({std::string(40, 'n'), std::string(40, 'o')});
    return ring;
}

/// The old secret alone: what sealed before the rotation.
inline const session::crypto::KeyRing& old_ring() {
    static const session::crypto::KeyRing ring({std::string(40, 'o')});
    return ring;
}

/// The new secret alone: the old one removed.
inline const session::crypto::KeyRing& new_ring() {
    static const session::crypto::KeyRing ring({std::string(40, 'n')});
    return ring;
}

}  // namespace sessiongate::fuzz
