#include "session/digest.hpp"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <stdexcept>

namespace sessiongate::session {

namespace {

/// Fetched once: the implicit fetch of EVP_sha256() looks SHA-256 up again
/// on every use, and HMAC() fetches the MAC and builds a context per call.
const EVP_MD* sha256_md() {
    static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    return md;
}

EVP_MAC* hmac_mac() {
    static EVP_MAC* const mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    return mac;
}

/// A context for HMAC-SHA256, its digest set once: naming the digest at
/// every init makes OpenSSL look SHA-256 up by name again, which costs as
/// much as the MAC itself.
EVP_MAC_CTX* new_hmac_sha256_context() {
    if (hmac_mac() == nullptr) return nullptr;
    EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(hmac_mac());
    char digest_name[] = "SHA256";
    const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
                                 OSSL_PARAM_construct_end()};
    if (ctx != nullptr && EVP_MAC_CTX_set_params(ctx, params) != 1) {
        EVP_MAC_CTX_free(ctx);
        return nullptr;
    }
    return ctx;
}

/// This thread's contexts, reused from call to call (each use starts them
/// afresh, so nothing of one call reaches the next).
struct ThreadContexts {
    ThreadContexts() = default;
    ThreadContexts(const ThreadContexts&) = delete;
    ThreadContexts& operator=(const ThreadContexts&) = delete;
    ~ThreadContexts() {
        EVP_MD_CTX_free(digest);
        EVP_MAC_CTX_free(mac);
    }
    EVP_MD_CTX* digest = EVP_MD_CTX_new();
    EVP_MAC_CTX* mac = new_hmac_sha256_context();
};

ThreadContexts& contexts() {
    thread_local ThreadContexts contexts;
    return contexts;
}

}  // namespace

std::string sha256(std::string_view data) {
    std::string digest(sha256_length, '\0');
    unsigned int length = 0;
    auto* ctx = contexts().digest;
    if (ctx == nullptr || sha256_md() == nullptr || EVP_DigestInit_ex2(ctx, sha256_md(), nullptr) != 1 ||
        EVP_DigestUpdate(ctx, data.data(), data.size()) != 1 ||
        EVP_DigestFinal_ex(ctx, reinterpret_cast<unsigned char*>(digest.data()), &length) != 1 ||
        length != sha256_length)
        throw std::runtime_error("SHA-256 failed");
    return digest;
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
    std::string mac(sha256_length, '\0');
    std::size_t length = 0;
    auto* ctx = contexts().mac;
    // An empty key is a valid HMAC key; OpenSSL wants a non-null pointer for it.
    const unsigned char none = 0;
    const auto* key_bytes = key.empty() ? &none : reinterpret_cast<const unsigned char*>(key.data());
    if (ctx == nullptr || EVP_MAC_init(ctx, key_bytes, key.size(), nullptr) != 1 ||
        EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1 ||
        EVP_MAC_final(ctx, reinterpret_cast<unsigned char*>(mac.data()), &length, mac.size()) != 1 ||
        length != sha256_length)
        throw std::runtime_error("HMAC-SHA256 failed");
    return mac;
}

}  // namespace sessiongate::session
