// CSRF secrets and the masked tokens made of them, as Django makes them
// (django.middleware.csrf): a secret of 32 characters of [a-zA-Z0-9]; a
// token of 64, a fresh random mask of 32 followed by the secret with each
// character shifted by the mask's (indexes added modulo 62). A new mask per
// response keeps the token in a compressed page from repeating (BREACH),
// and a token Django would accept is accepted here, and the other way round.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace sessiongate::session {

inline constexpr std::size_t csrf_secret_length = 32;
inline constexpr std::size_t csrf_token_length = 2 * csrf_secret_length;
/// Django's CSRF_ALLOWED_CHARS: the alphabet of secrets, masks and tokens.
inline constexpr std::string_view csrf_alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
/// The record's internal field that holds the secret.
inline constexpr std::string_view csrf_secret_field = "csrf";

/// A fresh secret from the OS CSPRNG (each character uniform over the alphabet).
std::string new_csrf_secret();

/// The secret masked with a fresh random mask: a token for one response.
std::string mask_csrf_secret(std::string_view secret);
/// The secret masked with `mask` (csrf_secret_length alphabet characters):
/// the deterministic half, for tests.
std::string mask_csrf_secret(std::string_view secret, std::string_view mask);

/// True when `token` (csrf_token_length alphabet characters) unmasks to
/// `secret`. Compared in constant time; anything malformed is false.
bool csrf_token_matches(std::string_view token, std::string_view secret);

/// True when `secret` has the shape new_csrf_secret() gives.
bool is_csrf_secret(std::string_view secret);

}  // namespace sessiongate::session
