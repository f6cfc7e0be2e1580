#include "session/csrf_token.hpp"

#include "session/crypto/random.hpp"

#include <openssl/crypto.h>

#include <array>

namespace sessiongate::session {
namespace {

constexpr int alphabet_size = static_cast<int>(csrf_alphabet.size());

// Index of each byte in the alphabet, -1 for bytes outside it.
constexpr std::array<signed char, 256> alphabet_index = [] {
    std::array<signed char, 256> index{};
    index.fill(-1);
    for (int i = 0; i < alphabet_size; ++i) index[static_cast<unsigned char>(csrf_alphabet[i])] = static_cast<signed char>(i);
    return index;
}();

int index_of(char c) { return alphabet_index[static_cast<unsigned char>(c)]; }

bool in_alphabet(std::string_view text) {
    for (char c : text)
        if (index_of(c) < 0) return false;
    return true;
}

// `count` characters uniform over the alphabet: random bytes below the
// largest multiple of 62 are kept (248 of 256), the rest drawn again.
std::string random_alphabet_text(std::size_t count) {
    constexpr unsigned limit = 256 - 256 % alphabet_size;
    std::string out;
    out.reserve(count);
    while (out.size() < count) {
        for (unsigned char byte : crypto::random_bytes(count - out.size() + 8)) {
            if (byte >= limit) continue;
            out += csrf_alphabet[byte % alphabet_size];
            if (out.size() == count) break;
        }
    }
    return out;
}

}  // namespace

std::string new_csrf_secret() { return random_alphabet_text(csrf_secret_length); }

bool is_csrf_secret(std::string_view secret) {
    return secret.size() == csrf_secret_length && in_alphabet(secret);
}

std::string mask_csrf_secret(std::string_view secret) {
    return mask_csrf_secret(secret, random_alphabet_text(csrf_secret_length));
}

std::string mask_csrf_secret(std::string_view secret, std::string_view mask) {
    std::string token(mask);
    token.reserve(csrf_token_length);
    for (std::size_t i = 0; i < csrf_secret_length; ++i)
        token += csrf_alphabet[(index_of(secret[i]) + index_of(mask[i])) % alphabet_size];
    return token;
}

bool csrf_token_matches(std::string_view token, std::string_view secret) {
    if (token.size() != csrf_token_length || !in_alphabet(token) || !is_csrf_secret(secret)) return false;
    std::array<char, csrf_secret_length> unmasked{};
    for (std::size_t i = 0; i < csrf_secret_length; ++i) {
        const int shifted = index_of(token[csrf_secret_length + i]) - index_of(token[i]);
        unmasked[i] = csrf_alphabet[(shifted + alphabet_size) % alphabet_size];
    }
    return CRYPTO_memcmp(unmasked.data(), secret.data(), csrf_secret_length) == 0;
}

}  // namespace sessiongate::session
