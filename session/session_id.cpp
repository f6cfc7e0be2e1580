#include "session/session_id.hpp"

#include "session/crypto/random.hpp"
#include "session/digest.hpp"

namespace sessiongate::session {

namespace {

constexpr std::size_t session_id_bytes = 32;

}  // namespace

std::string new_session_id() {
    return base64url_encode(crypto::random_bytes(session_id_bytes));
}

bool is_well_formed_session_id(std::string_view value) {
    if (value.size() != session_id_length) return false;
    for (char c : value)
        if (crypto::base64url_value(c) < 0) return false;
    // 43 characters carry 258 bits for 256: the last character's two low
    // bits are padding and must be zero, so each id has exactly one spelling
    // (no second cookie value naming the same session).
    return (crypto::base64url_value(value.back()) & 3) == 0;
}

std::string storage_key(std::string_view id) {
    return sha256(id);
}

}  // namespace sessiongate::session
