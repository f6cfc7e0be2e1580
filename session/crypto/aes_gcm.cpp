#include "session/crypto/aes_gcm.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <climits>
#include <cstring>

namespace sessiongate::session::crypto {

namespace {

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

/// This thread's cipher context, reused from call to call: a context made
/// per call costs allocations and the provider's setup, and the AES key
/// schedule need not be built again while the key stays the same (a new
/// nonce alone starts a new message). A call that fails drops the context,
/// so whatever state a failure leaves is never reused.
class ThreadCipher {
public:
    ThreadCipher() = default;
    ThreadCipher(const ThreadCipher&) = delete;
    ThreadCipher& operator=(const ThreadCipher&) = delete;
    ~ThreadCipher() { drop(); }

    /// The context ready to encrypt or decrypt with `key` and `nonce`; null
    /// on failure.
    EVP_CIPHER_CTX* start(bool encrypt, const DerivedKey& key, std::string_view nonce) {
        if (aes256gcm() == nullptr || nonce.size() != gcm_nonce_bytes) return nullptr;
        if (ctx_ == nullptr && (ctx_ = EVP_CIPHER_CTX_new()) == nullptr) return nullptr;
        const bool same_key = keyed_ && CRYPTO_memcmp(key_.data(), key.data(), key.size()) == 0;
        if (EVP_CipherInit_ex2(ctx_, keyed_ ? nullptr : aes256gcm(), same_key ? nullptr : key.data(),
                               bytes_of(nonce), encrypt ? 1 : 0, nullptr) != 1) {
            drop();
            return nullptr;
        }
        if (!same_key) std::memcpy(key_.data(), key.data(), key.size());
        keyed_ = true;
        return ctx_;
    }

    void drop() {
        EVP_CIPHER_CTX_free(ctx_);
        ctx_ = nullptr;
        keyed_ = false;
        OPENSSL_cleanse(key_.data(), key_.size());
    }

private:
    EVP_CIPHER_CTX* ctx_ = nullptr;
    bool keyed_ = false;  // the cipher and key_ are set in ctx_
    DerivedKey key_{};
};

thread_local ThreadCipher thread_cipher;

/// The thread's context started for `key` and `nonce` with the associated
/// data already fed in; null on any failure.
EVP_CIPHER_CTX* start(bool encrypt, const DerivedKey& key, std::string_view nonce,
                      std::initializer_list<std::string_view> associated) {
    auto* ctx = thread_cipher.start(encrypt, key, nonce);
    if (ctx == nullptr) return nullptr;
    for (const auto piece : associated) {
        int ignored = 0;
        if (!fits_int(piece) ||
            EVP_CipherUpdate(ctx, nullptr, &ignored, bytes_of(piece), static_cast<int>(piece.size())) != 1) {
            thread_cipher.drop();
            return nullptr;
        }
    }
    return ctx;
}

}  // namespace

bool aes256gcm_seal(const DerivedKey& key, std::string_view nonce, std::string_view plaintext,
                    std::initializer_list<std::string_view> associated, std::string& out) {
    if (!fits_int(plaintext)) return false;
    auto* const ctx = start(true, key, nonce, associated);
    if (ctx == nullptr) return false;
    const std::size_t at = out.size();
    out.resize(at + plaintext.size() + gcm_tag_bytes);
    auto* dest = reinterpret_cast<unsigned char*>(out.data() + at);
    int written = 0;
    int final_written = 0;
    if (EVP_EncryptUpdate(ctx, dest, &written, bytes_of(plaintext), static_cast<int>(plaintext.size())) != 1 ||
        EVP_EncryptFinal_ex(ctx, dest + written, &final_written) != 1 ||
        static_cast<std::size_t>(written + final_written) != plaintext.size() ||
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, gcm_tag_bytes, dest + plaintext.size()) != 1) {
        thread_cipher.drop();
        out.resize(at);
        return false;
    }
    return true;
}

bool aes256gcm_open(const DerivedKey& key, std::string_view nonce, std::string_view sealed,
                    std::initializer_list<std::string_view> associated, std::string& out) {
    if (sealed.size() < gcm_tag_bytes) return false;
    const auto ciphertext = sealed.substr(0, sealed.size() - gcm_tag_bytes);
    if (!fits_int(ciphertext)) return false;
    // The tag is set before the data goes in; OpenSSL checks it in Final.
    unsigned char tag[gcm_tag_bytes];
    std::memcpy(tag, sealed.data() + ciphertext.size(), gcm_tag_bytes);
    auto* const ctx = start(false, key, nonce, associated);
    if (ctx == nullptr) return false;
    if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, gcm_tag_bytes, tag) != 1) {
        thread_cipher.drop();
        return false;
    }
    const std::size_t at = out.size();
    out.resize(at + ciphertext.size());
    auto* dest = reinterpret_cast<unsigned char*>(out.data() + at);
    int written = 0;
    int final_written = 0;
    // Plaintext is written before the tag is known to be good: it is cut
    // off again unless Final accepts the tag, so none ever leaves here.
    if (EVP_DecryptUpdate(ctx, dest, &written, bytes_of(ciphertext), static_cast<int>(ciphertext.size())) != 1 ||
        EVP_DecryptFinal_ex(ctx, dest + written, &final_written) != 1 ||
        static_cast<std::size_t>(written + final_written) != ciphertext.size()) {
        thread_cipher.drop();
        out.resize(at);
        return false;
    }
    return true;
}

}  // namespace sessiongate::session::crypto
