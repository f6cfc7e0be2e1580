#include "session/digest.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <climits>
#include <stdexcept>

namespace sessiongate::session {

std::string sha256(std::string_view data) {
    std::string digest(sha256_length, '\0');
    unsigned int length = 0;
    if (EVP_Digest(data.data(), data.size(), reinterpret_cast<unsigned char*>(digest.data()), &length,
                   EVP_sha256(), nullptr) != 1 ||
        length != sha256_length)
        throw std::runtime_error("SHA-256 failed");
    return digest;
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
    if (key.size() > static_cast<std::size_t>(INT_MAX)) throw std::runtime_error("HMAC key too long");
    std::string mac(sha256_length, '\0');
    unsigned int length = 0;
    if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
             reinterpret_cast<const unsigned char*>(data.data()), data.size(),
             reinterpret_cast<unsigned char*>(mac.data()), &length) == nullptr ||
        length != sha256_length)
        throw std::runtime_error("HMAC-SHA256 failed");
    return mac;
}

std::string random_bytes(std::size_t count) {
    std::string bytes(count, '\0');
    if (count > static_cast<std::size_t>(INT_MAX) ||
        RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()), static_cast<int>(count)) != 1)
        throw std::runtime_error("the random number generator failed");
    return bytes;
}

}  // namespace sessiongate::session
