// CSRF secrets and masked tokens, against Django's own test vectors
// (django/tests/csrf_tests: two maskings of one secret).
#include "session/csrf_token.hpp"

#include <catch2/catch.hpp>

#include <set>

using namespace sessiongate::session;

namespace {
const std::string django_secret = "lcccccccX2kcccccccY2jcccccccssIC";
const std::string django_masked_1 = "1bcdefghij2bcdefghij3bcdefghij4bcdefghij5bcdefghij6bcdefghijABCD";
const std::string django_masked_2 = "2JgchWvM1tpxT2lfz9aydoXW9yT1DN3NdLiejYxOOlzzV4nhBbYqmqZYbAV3V5Bf";
}  // namespace

TEST_CASE("csrf: tokens Django masked unmask to their secret", "[csrf]") {
    CHECK(csrf_token_matches(django_masked_1, django_secret));
    CHECK(csrf_token_matches(django_masked_2, django_secret));
    // Masking with Django's mask gives Django's token, character for character.
    CHECK(mask_csrf_secret(django_secret, django_masked_1.substr(0, 32)) == django_masked_1);
    CHECK(mask_csrf_secret(django_secret, django_masked_2.substr(0, 32)) == django_masked_2);
}

TEST_CASE("csrf: a fresh mask per token, every one matching", "[csrf]") {
    const auto secret = new_csrf_secret();
    std::set<std::string> tokens;
    for (int i = 0; i < 50; ++i) {
        const auto token = mask_csrf_secret(secret);
        CHECK(token.size() == csrf_token_length);
        CHECK(csrf_token_matches(token, secret));
        // The secret never shows as itself in a token.
        CHECK(token.find(secret) == std::string::npos);
        tokens.insert(token);
    }
    CHECK(tokens.size() == 50);
}

TEST_CASE("csrf: secrets are 32 alphabet characters, each drawn afresh", "[csrf]") {
    std::set<std::string> secrets;
    std::set<char> seen;
    for (int i = 0; i < 200; ++i) {
        const auto secret = new_csrf_secret();
        CHECK(is_csrf_secret(secret));
        secrets.insert(secret);
        seen.insert(secret.begin(), secret.end());
    }
    CHECK(secrets.size() == 200);
    CHECK(seen.size() == csrf_alphabet.size());  // 6400 draws reach every character
}

TEST_CASE("csrf: anything else does not match", "[csrf]") {
    const auto secret = new_csrf_secret();
    const auto token = mask_csrf_secret(secret);
    CHECK_FALSE(csrf_token_matches(token, new_csrf_secret()));  // another session's secret
    CHECK_FALSE(csrf_token_matches(secret, secret));            // the bare secret is never a token
    CHECK_FALSE(csrf_token_matches("", secret));
    CHECK_FALSE(csrf_token_matches(token.substr(0, 63), secret));
    CHECK_FALSE(csrf_token_matches(token + "a", secret));
    auto one_off = token;
    one_off[40] = one_off[40] == 'a' ? 'b' : 'a';
    CHECK_FALSE(csrf_token_matches(one_off, secret));
    auto outside = token;
    outside[3] = '-';  // not in the alphabet
    CHECK_FALSE(csrf_token_matches(outside, secret));
    CHECK_FALSE(csrf_token_matches(token, ""));
    CHECK_FALSE(is_csrf_secret(std::string(31, 'a')));
    CHECK_FALSE(is_csrf_secret(std::string(31, 'a') + "_"));
}
