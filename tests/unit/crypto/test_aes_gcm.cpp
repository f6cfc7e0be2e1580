#include "session/crypto/aes_gcm.hpp"

#include "unit/hex.hpp"

#include <catch2/catch.hpp>

#include <cstring>

using namespace sessiongate::session::crypto;
using sessiongate::test::from_hex;
using sessiongate::test::to_hex;

namespace {

DerivedKey key_of(std::string_view hex) {
    DerivedKey key{};
    const auto bytes = from_hex(hex);
    std::memcpy(key.data(), bytes.data(), key.size());
    return key;
}

// "The Galois/Counter Mode of Operation (GCM)", McGrew and Viega, test case 16.
const DerivedKey gcm_key = key_of("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308");
const std::string gcm_nonce = from_hex("cafebabefacedbaddecaf888");
const std::string gcm_plaintext = from_hex(
    "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
    "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39");
const std::string gcm_associated = from_hex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
const std::string gcm_sealed =
    "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
    "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662"
    "76fc6ece0f4e1768cddf8853bb2d551b";

}  // namespace

TEST_CASE("AES-256-GCM answers the GCM paper's test case 16", "[aes_gcm]") {
    std::string out = "prefix";
    REQUIRE(aes256gcm_seal(gcm_key, gcm_nonce, gcm_plaintext, {gcm_associated}, out));
    CHECK(out.substr(0, 6) == "prefix");  // appended, not replaced
    CHECK(to_hex(out.substr(6)) == gcm_sealed);

    std::string opened = "x";
    REQUIRE(aes256gcm_open(gcm_key, gcm_nonce, from_hex(gcm_sealed), {gcm_associated}, opened));
    CHECK(opened == "x" + gcm_plaintext);
}

TEST_CASE("associated data in pieces is the pieces joined", "[aes_gcm]") {
    std::string out;
    const std::string_view associated = gcm_associated;
    REQUIRE(aes256gcm_seal(gcm_key, gcm_nonce, gcm_plaintext, {associated.substr(0, 3), associated.substr(3)}, out));
    CHECK(to_hex(out) == gcm_sealed);
}

TEST_CASE("AES-256-GCM opens nothing that was changed", "[aes_gcm]") {
    const std::string sealed = from_hex(gcm_sealed);
    std::string out = "kept";

    SECTION("any flipped bit of ciphertext or tag") {
        for (std::size_t i = 0; i < sealed.size(); ++i) {
            for (int bit = 0; bit < 8; ++bit) {
                auto bad = sealed;
                bad[i] = static_cast<char>(bad[i] ^ (1 << bit));
                INFO("byte " << i << " bit " << bit);
                REQUIRE_FALSE(aes256gcm_open(gcm_key, gcm_nonce, bad, {gcm_associated}, out));
            }
        }
    }
    SECTION("any truncation") {
        for (std::size_t n = 0; n < sealed.size(); ++n)
            REQUIRE_FALSE(aes256gcm_open(gcm_key, gcm_nonce, sealed.substr(0, n), {gcm_associated}, out));
    }
    SECTION("other associated data, nonce or key") {
        CHECK_FALSE(aes256gcm_open(gcm_key, gcm_nonce, sealed, {}, out));
        CHECK_FALSE(aes256gcm_open(gcm_key, gcm_nonce, sealed, {gcm_associated, "x"}, out));
        auto nonce = gcm_nonce;
        nonce[0] ^= 1;
        CHECK_FALSE(aes256gcm_open(gcm_key, nonce, sealed, {gcm_associated}, out));
        CHECK_FALSE(aes256gcm_open(gcm_key, gcm_nonce.substr(1), sealed, {gcm_associated}, out));
        auto key = gcm_key;
        key[31] ^= 1;
        CHECK_FALSE(aes256gcm_open(key, gcm_nonce, sealed, {gcm_associated}, out));
    }
    CHECK(out == "kept");  // nothing of a failed open is left behind
}

TEST_CASE("AES-256-GCM seals an empty plaintext to a tag alone", "[aes_gcm]") {
    std::string out;
    REQUIRE(aes256gcm_seal(gcm_key, gcm_nonce, "", {"ad"}, out));
    CHECK(out.size() == gcm_tag_bytes);
    std::string opened;
    CHECK(aes256gcm_open(gcm_key, gcm_nonce, out, {"ad"}, opened));
    CHECK(opened.empty());
    CHECK_FALSE(aes256gcm_seal(gcm_key, "short", "", {}, out));
}

TEST_CASE("AES-256-GCM gives the same answers whatever came before on the thread", "[aes_gcm]") {
    // The cipher context is kept per thread and its key set again only when
    // it changes: keys, directions and failures in any order must not leak
    // into the next call.
    auto other_key = gcm_key;
    other_key[0] ^= 0x80;
    const std::string sealed = from_hex(gcm_sealed);
    for (int round = 0; round < 3; ++round) {
        std::string out;
        REQUIRE(aes256gcm_seal(other_key, gcm_nonce, gcm_plaintext, {gcm_associated}, out));
        CHECK(to_hex(out) != gcm_sealed);  // another key, another ciphertext
        std::string opened;
        CHECK_FALSE(aes256gcm_open(other_key, gcm_nonce, sealed, {gcm_associated}, opened));
        CHECK(aes256gcm_open(other_key, gcm_nonce, out, {gcm_associated}, opened));
        CHECK(opened == gcm_plaintext);

        opened.clear();
        CHECK(aes256gcm_open(gcm_key, gcm_nonce, sealed, {gcm_associated}, opened));  // the key changed back
        CHECK(opened == gcm_plaintext);
        opened.clear();
        auto bad = sealed;
        bad.back() ^= 1;
        CHECK_FALSE(aes256gcm_open(gcm_key, gcm_nonce, bad, {gcm_associated}, opened));
        CHECK(aes256gcm_open(gcm_key, gcm_nonce, sealed, {gcm_associated}, opened));  // after a failure
        CHECK(opened == gcm_plaintext);

        out.clear();
        REQUIRE(aes256gcm_seal(gcm_key, gcm_nonce, gcm_plaintext, {gcm_associated}, out));  // same key, other direction
        CHECK(to_hex(out) == gcm_sealed);
        out.clear();
        REQUIRE(aes256gcm_seal(gcm_key, gcm_nonce, gcm_plaintext, {gcm_associated}, out));  // same key, same direction
        CHECK(to_hex(out) == gcm_sealed);
    }
}
