#include "session/crypto/sealed_box.hpp"

#include <catch2/catch.hpp>

#include <set>

using namespace sessiongate::session::crypto;

namespace {

const std::string old_secret(40, 'o');
const std::string new_secret(40, 'n');

std::string seal(const KeyRing& ring, std::string_view plaintext, std::string_view associated = "ad",
                 KeyUse use = KeyUse::SealedCookie) {
    std::string box;
    REQUIRE(seal_box(ring, use, plaintext, associated, box));
    return box;
}

std::string id_of(const KeyRingEntry& entry) {
    return std::string(reinterpret_cast<const char*>(entry.id.data()), entry.id.size());
}

}  // namespace

TEST_CASE("a sealed box opens with its ring, use and associated data", "[sealed_box]") {
    const KeyRing ring({new_secret});
    const auto box = seal(ring, "the plaintext");
    CHECK(box.size() == sealed_box_overhead + 13);
    CHECK(box_key_id(box) == id_of(ring.newest()));
    CHECK(box.find("the plaintext") == std::string::npos);

    std::string out;
    CHECK(open_box(ring, KeyUse::SealedCookie, box, "ad", out) == OpenFailure::None);
    CHECK(out == "the plaintext");

    SECTION("not with another use's key, other associated data, or another ring") {
        std::string other;
        CHECK(open_box(ring, KeyUse::RecordData, box, "ad", other) == OpenFailure::BadTag);
        CHECK(open_box(ring, KeyUse::SealedCookie, box, "AD", other) == OpenFailure::BadTag);
        CHECK(open_box(KeyRing({old_secret}), KeyUse::SealedCookie, box, "ad", other) == OpenFailure::UnknownKey);
        CHECK(other.empty());
    }
    SECTION("not after any change or cut") {
        std::string other;
        for (std::size_t i = 0; i < box.size(); ++i) {
            auto bad = box;
            bad[i] = static_cast<char>(bad[i] ^ 0x20);
            INFO("byte " << i);
            // A changed key id names no key; any other change fails the tag.
            REQUIRE(open_box(ring, KeyUse::SealedCookie, bad, "ad", other) ==
                    (i < key_id_bytes ? OpenFailure::UnknownKey : OpenFailure::BadTag));
        }
        for (std::size_t n = 0; n < box.size(); ++n)
            REQUIRE(open_box(ring, KeyUse::SealedCookie, std::string_view(box).substr(0, n), "ad", other) ==
                    (n < sealed_box_overhead ? OpenFailure::TooShort : OpenFailure::BadTag));
        CHECK(other.empty());
    }
}

TEST_CASE("every seal draws a fresh nonce", "[sealed_box]") {
    const KeyRing ring({new_secret});
    std::set<std::string> boxes;
    for (int i = 0; i < 100; ++i) boxes.insert(seal(ring, "same"));
    CHECK(boxes.size() == 100);
}

TEST_CASE("key rotation: the newest key seals, every key opens", "[sealed_box]") {
    const KeyRing before({old_secret});
    const KeyRing after({new_secret, old_secret});
    const auto old_box = seal(before, "sealed before");

    std::string out;
    CHECK(open_box(after, KeyUse::SealedCookie, old_box, "ad", out) == OpenFailure::None);
    CHECK(out == "sealed before");

    const auto new_box = seal(after, "sealed after");
    CHECK(box_key_id(new_box) == id_of(after.newest()));
    CHECK(box_key_id(new_box) != box_key_id(old_box));
    std::string ignored;
    CHECK(open_box(before, KeyUse::SealedCookie, new_box, "ad", ignored) == OpenFailure::UnknownKey);

    // Once the old key leaves the ring, what it sealed no longer opens.
    CHECK(open_box(KeyRing({new_secret}), KeyUse::SealedCookie, old_box, "ad", ignored) == OpenFailure::UnknownKey);
    CHECK(describe(OpenFailure::UnknownKey).find("key ring") != std::string_view::npos);
}
