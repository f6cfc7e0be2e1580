#include "session/crypto/base64url.hpp"

#include <catch2/catch.hpp>

#include <random>

using namespace sessiongate::session::crypto;

TEST_CASE("base64url encodes as RFC 4648 section 5, without padding", "[base64url]") {
    CHECK(base64url_encode("") == "");
    CHECK(base64url_encode("f") == "Zg");
    CHECK(base64url_encode("fo") == "Zm8");
    CHECK(base64url_encode("foo") == "Zm9v");
    CHECK(base64url_encode("foob") == "Zm9vYg");
    CHECK(base64url_encode("fooba") == "Zm9vYmE");
    CHECK(base64url_encode("foobar") == "Zm9vYmFy");
    CHECK(base64url_encode(std::string("\xfb\xff\xbf", 3)) == "-_-_");
}

TEST_CASE("base64url decodes what it encodes", "[base64url]") {
    CHECK(base64url_decode("") == std::string());
    CHECK(base64url_decode("Zg") == std::string("f"));
    CHECK(base64url_decode("Zm8") == std::string("fo"));
    CHECK(base64url_decode("Zm9vYmFy") == std::string("foobar"));
    CHECK(base64url_decode("-_-_") == std::string("\xfb\xff\xbf", 3));

    std::mt19937 rng(7);
    for (int n = 0; n < 200; ++n) {
        std::string bytes(static_cast<std::size_t>(n), '\0');
        for (auto& c : bytes) c = static_cast<char>(rng());
        INFO("length " << n);
        REQUIRE(base64url_decode(base64url_encode(bytes)) == bytes);
    }
}

TEST_CASE("base64url decoding is strict: one spelling per byte string", "[base64url]") {
    SECTION("characters outside the alphabet, padding, standard base64") {
        for (const char* text : {"Zg==", "Zm9v=", "Zm+v", "Zm/v", "Zm9v\n", " Zm9v", "Zm 9v", "Zm9\x80"})
            CHECK_FALSE(base64url_decode(text));
    }
    SECTION("a length no encoding has") {
        CHECK_FALSE(base64url_decode("Z"));
        CHECK_FALSE(base64url_decode("Zm9vY"));
    }
    SECTION("bits after the last byte must be zero") {
        // "Zg" is 'f'; "Zh".."Zv" carry the same byte with padding bits set.
        CHECK(base64url_decode("Zg"));
        CHECK_FALSE(base64url_decode("Zh"));
        CHECK_FALSE(base64url_decode("Zv"));
        CHECK(base64url_decode("Zm8"));
        CHECK_FALSE(base64url_decode("Zm9"));
    }
}
