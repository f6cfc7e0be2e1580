#include "session/crypto/sealed_box.hpp"

#include "session/crypto/aes_gcm.hpp"
#include "session/crypto/random.hpp"

namespace sessiongate::session::crypto {

namespace {

std::string_view chars_of(const KeyId& id) {
    return {reinterpret_cast<const char*>(id.data()), id.size()};
}

}  // namespace

static_assert(sealed_box_overhead == key_id_bytes + gcm_nonce_bytes + gcm_tag_bytes);

bool seal_box(const KeyRing& ring, KeyUse use, std::string_view plaintext, std::string_view associated,
              std::string& out) {
    const auto& entry = ring.newest();
    const std::size_t at = out.size();
    out.reserve(at + sealed_box_overhead + plaintext.size());
    out.append(chars_of(entry.id));
    out.resize(at + key_id_bytes + gcm_nonce_bytes);
    auto* nonce = reinterpret_cast<unsigned char*>(out.data() + at + key_id_bytes);
    if (!fill_random(nonce, gcm_nonce_bytes)) {
        out.resize(at);
        return false;
    }
    // The nonce is copied out: `out` may move while the ciphertext is appended.
    const std::string nonce_copy(out, at + key_id_bytes, gcm_nonce_bytes);
    if (!aes256gcm_seal(entry.key(use), nonce_copy, plaintext, {chars_of(entry.id), associated}, out)) {
        out.resize(at);
        return false;
    }
    return true;
}

OpenFailure open_box(const KeyRing& ring, KeyUse use, std::string_view box, std::string_view associated,
                     std::string& out) {
    if (box.size() < sealed_box_overhead) return OpenFailure::TooShort;
    const auto id = box.substr(0, key_id_bytes);
    const auto* entry = ring.find(id);
    if (entry == nullptr) return OpenFailure::UnknownKey;
    const auto nonce = box.substr(key_id_bytes, gcm_nonce_bytes);
    const auto sealed = box.substr(key_id_bytes + gcm_nonce_bytes);
    if (!aes256gcm_open(entry->key(use), nonce, sealed, {id, associated}, out)) return OpenFailure::BadTag;
    return OpenFailure::None;
}

std::string_view box_key_id(std::string_view box) {
    return box.size() < sealed_box_overhead ? std::string_view{} : box.substr(0, key_id_bytes);
}

std::string_view describe(OpenFailure failure) {
    switch (failure) {
    case OpenFailure::None: return "opened";
    case OpenFailure::TooShort: return "too short";
    case OpenFailure::UnknownKey: return "sealed with a key not in the key ring";
    case OpenFailure::BadTag: return "authentication failed (tampered, truncated or moved)";
    }
    return "unknown";
}

}  // namespace sessiongate::session::crypto
