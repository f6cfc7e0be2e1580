#include "session/crypto/key_ring.hpp"

#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <stdexcept>

namespace sessiongate::session::crypto {

namespace {

constexpr std::string_view key_id_label = "sessiongate.key-id.v1";

struct KdfDeleter {
    void operator()(EVP_KDF* kdf) const { EVP_KDF_free(kdf); }
    void operator()(EVP_KDF_CTX* ctx) const { EVP_KDF_CTX_free(ctx); }
};

/// One EVP_KDF HKDF derivation. `mode` is an EVP_KDF_HKDF_MODE_* value.
std::string hkdf(int mode, std::string_view key, std::string_view salt, std::string_view info,
                 std::size_t length) {
    std::unique_ptr<EVP_KDF, KdfDeleter> kdf(EVP_KDF_fetch(nullptr, OSSL_KDF_NAME_HKDF, nullptr));
    if (!kdf) throw std::runtime_error("OpenSSL has no HKDF");
    std::unique_ptr<EVP_KDF_CTX, KdfDeleter> ctx(EVP_KDF_CTX_new(kdf.get()));
    if (!ctx) throw std::runtime_error("HKDF: out of memory");
    // OSSL_PARAM wants non-const pointers; OpenSSL only reads them. An
    // empty salt or info is left out (OpenSSL refuses an empty one).
    char digest[] = "SHA256";
    OSSL_PARAM params[6];
    std::size_t count = 0;
    params[count++] = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
    params[count++] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0);
    for (const auto& [name, value] : {std::pair{OSSL_KDF_PARAM_KEY, key}, std::pair{OSSL_KDF_PARAM_SALT, salt},
                                      std::pair{OSSL_KDF_PARAM_INFO, info}})
        if (!value.empty())
            params[count++] = OSSL_PARAM_construct_octet_string(name, const_cast<char*>(value.data()), value.size());
    params[count] = OSSL_PARAM_construct_end();
    std::string out(length, '\0');
    if (EVP_KDF_derive(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), out.size(), params) != 1)
        throw std::runtime_error("HKDF-SHA256 failed");
    return out;
}

template <std::size_t N>
std::array<unsigned char, N> to_array(const std::string& bytes) {
    std::array<unsigned char, N> out{};
    std::memcpy(out.data(), bytes.data(), std::min(N, bytes.size()));
    return out;
}

DerivedKey derive(std::string_view secret, KeyUse use) {
    const auto label = label_of(use);
    if (use == KeyUse::SessionHandle)
        return to_array<derived_key_bytes>(
            hkdf(EVP_KDF_HKDF_MODE_EXTRACT_ONLY, label, secret, {}, derived_key_bytes));
    return to_array<derived_key_bytes>(hkdf_sha256(secret, label, derived_key_bytes));
}

}  // namespace

std::string_view label_of(KeyUse use) {
    switch (use) {
    case KeyUse::SessionHandle: return "sessiongate.session-handle.v1";
    case KeyUse::SealedCookie: return "sessiongate.sealed-cookie.v1";
    case KeyUse::RecordData: return "sessiongate.record-data.v1";
    }
    return "";
}

std::string hkdf_sha256(std::string_view secret, std::string_view info, std::size_t length) {
    return hkdf(EVP_KDF_HKDF_MODE_EXTRACT_AND_EXPAND, secret, {}, info, length);
}

KeyRing::KeyRing(const std::vector<std::string>& secrets) {
    if (secrets.empty()) throw std::runtime_error("no secret key given");
    std::vector<std::string_view> kept;
    for (std::size_t i = 0; i < secrets.size(); ++i) {
        const std::string_view secret = secrets[i];
        if (std::find(kept.begin(), kept.end(), secret) != kept.end()) continue;
        KeyRingEntry entry;
        entry.id = to_array<key_id_bytes>(hkdf_sha256(secret, key_id_label, key_id_bytes));
        if (find(std::string_view(reinterpret_cast<const char*>(entry.id.data()), entry.id.size())))
            // The key itself never goes into a message: messages end up in logs.
            throw std::runtime_error("secret key " + std::to_string(i + 1) +
                                     " has the key id of an earlier one; replace it with a new key");
        for (std::size_t use = 0; use < key_use_count; ++use)
            entry.keys[use] = derive(secret, static_cast<KeyUse>(use));
        kept.push_back(secret);
        entries_.push_back(entry);
    }
}

const KeyRingEntry* KeyRing::find(std::string_view id) const {
    if (id.size() != key_id_bytes) return nullptr;
    for (const auto& entry : entries_)
        if (std::memcmp(entry.id.data(), id.data(), key_id_bytes) == 0) return &entry;
    return nullptr;
}

}  // namespace sessiongate::session::crypto
