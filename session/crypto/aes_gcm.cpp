#include "session/crypto/aes_gcm.hpp"

#include <openssl/core_names.h>
#include <openssl/evp.h>

#include <climits>
#include <cstring>
#include <memory>

namespace sessiongate::session::crypto {

namespace {

struct CipherContextDeleter {
    void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using CipherContext = std::unique_ptr<EVP_CIPHER_CTX, CipherContextDeleter>;

/// Fetched once: OpenSSL 3's implicit fetch (EVP_aes_256_gcm()) looks the
/// implementation up again on every init.
const EVP_CIPHER* aes256gcm() {
    static EVP_CIPHER* const cipher = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
    return cipher;
}

const unsigned char* bytes_of(std::string_view text) {
    return reinterpret_cast<const unsigned char*>(text.data());
}

bool fits_int(std::string_view text) { return text.size() <= static_cast<std::size_t>(INT_MAX); }

/// A context ready to encrypt or decrypt with `key` and `nonce`, with the
/// associated data already fed in; null on any failure.
CipherContext start(bool encrypt, const DerivedKey& key, std::string_view nonce,
                    std::initializer_list<std::string_view> associated) {
    if (aes256gcm() == nullptr || nonce.size() != gcm_nonce_bytes) return nullptr;
    CipherContext ctx(EVP_CIPHER_CTX_new());
    if (!ctx || EVP_CipherInit_ex2(ctx.get(), aes256gcm(), key.data(), bytes_of(nonce), encrypt ? 1 : 0,
                                   nullptr) != 1)
        return nullptr;
    for (const auto piece : associated) {
        int ignored = 0;
        if (!fits_int(piece) ||
            EVP_CipherUpdate(ctx.get(), nullptr, &ignored, bytes_of(piece), static_cast<int>(piece.size())) != 1)
            return nullptr;
    }
    return ctx;
}

}  // namespace

bool aes256gcm_seal(const DerivedKey& key, std::string_view nonce, std::string_view plaintext,
                    std::initializer_list<std::string_view> associated, std::string& out) {
    const auto ctx = start(true, key, nonce, associated);
    if (!ctx || !fits_int(plaintext)) return false;
    const std::size_t at = out.size();
    out.resize(at + plaintext.size() + gcm_tag_bytes);
    auto* dest = reinterpret_cast<unsigned char*>(out.data() + at);
    int written = 0;
    int final_written = 0;
    if (EVP_EncryptUpdate(ctx.get(), dest, &written, bytes_of(plaintext), static_cast<int>(plaintext.size())) != 1 ||
        EVP_EncryptFinal_ex(ctx.get(), dest + written, &final_written) != 1 ||
        static_cast<std::size_t>(written + final_written) != plaintext.size() ||
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_GET_TAG, gcm_tag_bytes, dest + plaintext.size()) != 1) {
        out.resize(at);
        return false;
    }
    return true;
}

bool aes256gcm_open(const DerivedKey& key, std::string_view nonce, std::string_view sealed,
                    std::initializer_list<std::string_view> associated, std::string& out) {
    if (sealed.size() < gcm_tag_bytes) return false;
    const auto ciphertext = sealed.substr(0, sealed.size() - gcm_tag_bytes);
    // The tag is set before the data goes in; OpenSSL checks it in Final.
    unsigned char tag[gcm_tag_bytes];
    std::memcpy(tag, sealed.data() + ciphertext.size(), gcm_tag_bytes);
    const auto ctx = start(false, key, nonce, associated);
    if (!ctx || !fits_int(ciphertext) ||
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_SET_TAG, gcm_tag_bytes, tag) != 1)
        return false;
    const std::size_t at = out.size();
    out.resize(at + ciphertext.size());
    auto* dest = reinterpret_cast<unsigned char*>(out.data() + at);
    int written = 0;
    int final_written = 0;
    // Plaintext is written before the tag is known to be good: it is cut
    // off again unless Final accepts the tag, so none ever leaves here.
    if (EVP_DecryptUpdate(ctx.get(), dest, &written, bytes_of(ciphertext), static_cast<int>(ciphertext.size())) != 1 ||
        EVP_DecryptFinal_ex(ctx.get(), dest + written, &final_written) != 1 ||
        static_cast<std::size_t>(written + final_written) != ciphertext.size()) {
        out.resize(at);
        return false;
    }
    return true;
}

}  // namespace sessiongate::session::crypto
