#include "session/digest.hpp"
#include "session/session_id.hpp"

#include <catch2/catch.hpp>

#include <set>

using namespace sessiongate::session;

TEST_CASE("new_session_id gives 43 well-formed, distinct characters", "[session_id]") {
    std::set<std::string> seen;
    for (int i = 0; i < 200; ++i) {
        const auto id = new_session_id();
        CHECK(id.size() == session_id_length);
        CHECK(is_well_formed_session_id(id));
        seen.insert(id);
    }
    CHECK(seen.size() == 200);
}

TEST_CASE("is_well_formed_session_id accepts exactly the canonical 43-char shape", "[session_id]") {
    const std::string valid = base64url_encode(std::string(32, '\x5a'));
    REQUIRE(valid.size() == 43);
    CHECK(is_well_formed_session_id(valid));
    CHECK(is_well_formed_session_id(std::string(42, 'A') + "A"));
    CHECK(is_well_formed_session_id(std::string(42, '-') + "w"));  // w = 48, low bits 00

    SECTION("wrong lengths") {
        CHECK_FALSE(is_well_formed_session_id(""));
        CHECK_FALSE(is_well_formed_session_id(valid.substr(0, 42)));
        CHECK_FALSE(is_well_formed_session_id(valid + "A"));
    }
    SECTION("characters outside base64url") {
        for (char bad : {'+', '/', '=', '.', ' ', '"', ';', '\0', '\xc3'}) {
            std::string id = valid;
            id[10] = bad;
            CHECK_FALSE(is_well_formed_session_id(id));
        }
    }
    SECTION("a last character with padding bits set is not canonical") {
        // 'B' = 1, 'D' = 3, '_' = 63: low two bits not zero.
        for (char last : {'B', 'C', 'D', 'b', '1', '-', '_'}) {
            std::string id = std::string(42, 'A') + last;
            CHECK_FALSE(is_well_formed_session_id(id));
        }
        for (char last : {'A', 'E', 'I', 'Q', 'g', 'w', '0', '4', '8'}) {
            std::string id = std::string(42, 'A') + last;
            CHECK(is_well_formed_session_id(id));
        }
    }
}

TEST_CASE("storage_key is the raw SHA-256 of the id", "[session_id]") {
    const auto key = storage_key("abc");
    REQUIRE(key.size() == 32);
    // FIPS 180-2 test vector for "abc".
    CHECK(base64url_encode(key) == "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0");
    const auto id = new_session_id();
    CHECK(storage_key(id) == sha256(id));
    CHECK(storage_key(id) != storage_key(new_session_id()));
}

TEST_CASE("hmac_sha256 matches RFC 4231 test case 2", "[session_id]") {
    const auto mac = hmac_sha256("Jefe", "what do ya want for nothing?");
    REQUIRE(mac.size() == 32);
    // 5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843
    CHECK(base64url_encode(mac) == "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM");
}

TEST_CASE("sha256 and hmac_sha256 answer alike when called again and interleaved", "[session_id]") {
    // Their OpenSSL contexts are kept per thread and started afresh per call.
    for (int round = 0; round < 3; ++round) {
        CHECK(base64url_encode(hmac_sha256("Jefe", "what do ya want for nothing?")) ==
              "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM");
        CHECK(base64url_encode(sha256("abc")) == "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0");
        CHECK(hmac_sha256("other key", "what do ya want for nothing?") !=
              hmac_sha256("Jefe", "what do ya want for nothing?"));
        CHECK(hmac_sha256("", "data").size() == 32);  // an empty key is a key
        CHECK(sha256("").size() == 32);
    }
}
