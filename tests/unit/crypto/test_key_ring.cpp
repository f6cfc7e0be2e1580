#include "session/crypto/key_ring.hpp"

#include "unit/hex.hpp"

#include <catch2/catch.hpp>

#include <set>

using namespace sessiongate::session::crypto;
using sessiongate::test::from_hex;
using sessiongate::test::to_hex;
using sessiongate::test::to_hex_of;

namespace {

const std::string secret_a(36, 'a');
const std::string secret_b(36, 'b');

}  // namespace

TEST_CASE("HKDF-SHA256 answers RFC 5869's test case 3 (no salt, no info)", "[key_ring]") {
    CHECK(to_hex(hkdf_sha256(from_hex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"), "", 42)) ==
          "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8");
}

TEST_CASE("each use has its own key, derived by HKDF from its label", "[key_ring]") {
    const KeyRing ring({secret_a});
    const auto& entry = ring.newest();
    // Values computed independently (Python's hmac module).
    CHECK(to_hex_of(entry.key(KeyUse::SealedCookie)) ==
          "1ab54bf105007ce55989b3bd5fd23794ff34b14c2758da8964b4bdaa76c7e2af");
    CHECK(to_hex_of(entry.key(KeyUse::RecordData)) ==
          "978b41bf8a5eae2073c6ba78b7e7e7cc698b8eeb8d753657c6d9bed9d13371c0");
    CHECK(to_hex_of(entry.id) == "f3650b4f");
    // The handle key keeps the derivation handles were first made with,
    // HMAC-SHA256(secret, label): existing X-Session-Id values do not change.
    CHECK(to_hex_of(entry.key(KeyUse::SessionHandle)) ==
          "fc2a2fc908487713d94a457f4cba34de56d2ca98a8c0502d446835210cf66fc5");

    std::set<std::string> keys;
    for (const auto& key : entry.keys) keys.insert(to_hex_of(key));
    CHECK(keys.size() == key_use_count);
    CHECK(label_of(KeyUse::SealedCookie) != label_of(KeyUse::RecordData));
}

TEST_CASE("the key ring: newest first, found by key id", "[key_ring]") {
    const KeyRing ring({secret_b, secret_a});
    const KeyRing old_ring({secret_a});
    CHECK(ring.size() == 2);
    CHECK(ring.newest().id == KeyRing({secret_b}).newest().id);
    CHECK(ring.newest().id != old_ring.newest().id);

    const auto id_of = [](const KeyRingEntry& entry) {
        return std::string(reinterpret_cast<const char*>(entry.id.data()), entry.id.size());
    };
    const auto* old = ring.find(id_of(old_ring.newest()));
    REQUIRE(old != nullptr);
    CHECK(old->key(KeyUse::RecordData) == old_ring.newest().key(KeyUse::RecordData));
    CHECK(ring.find(id_of(ring.newest())) == &ring.newest());

    CHECK(ring.find("\x00\x00\x00\x00") == nullptr);
    CHECK(ring.find("") == nullptr);
    CHECK(ring.find(id_of(ring.newest()) + "x") == nullptr);
}

TEST_CASE("the key ring: a secret listed twice is kept once; none at all is refused", "[key_ring]") {
    CHECK(KeyRing({secret_a, secret_b, secret_a}).size() == 2);
    CHECK_THROWS_WITH(KeyRing(std::vector<std::string>{}), Catch::Contains("no secret key"));
}
