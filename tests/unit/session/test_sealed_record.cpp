#include "session/sealed_record.hpp"

#include "session/record_codec.hpp"
#include "session/session_id.hpp"
#include "unit/fixture_file.hpp"
#include "unit/hex.hpp"

#include <catch2/catch.hpp>

using namespace sessiongate;
using namespace sessiongate::session;

namespace {

const std::string old_secret(40, 'o');
const std::string new_secret(40, 'n');

/// What the fixtures hold (tests/fixtures/README.md).
const std::string fixture_id = "qZ3bLEBBy6Jm6V2tCx0sD4g1ob2uVbYl0mIJb9bTFvU";

SessionRecord fixture_record() {
    SessionRecord r;
    r.handle = "U2Aev_lrKJ0oClJ6NmeZqJ0TO1-3Sd0oVz-X0uHXaFc";
    r.data_json = R"({"cart":["apple","pear"],"member_id":42,"name":"Ren\u00e9e","num_visits":3})";
    r.created = 1767225600;
    r.modified = 1767229200;
    r.expires = 1767232800;
    r.expiry_seconds = 3600;
    return r;
}

/// Every field, present and future: the clear encodings are equal.
void require_same(const SessionRecord& a, const SessionRecord& b) {
    REQUIRE(encode_record(a) == encode_record(b));
}

}  // namespace

TEST_CASE("a sealed record keeps its data only in sealed form", "[store][codec][sealed]") {
    const crypto::KeyRing ring({new_secret});
    const auto key = storage_key(new_session_id());
    const auto record = fixture_record();
    const auto bytes = seal_record(record, key, ring);
    REQUIRE(bytes);
    CHECK(static_cast<std::uint8_t>((*bytes)[0]) == record_format_sealed);
    CHECK(bytes->find("apple") == std::string::npos);
    CHECK(bytes->find("num_visits") == std::string::npos);
    // The clear header (times, handle) and 33 bytes: the inner version, key id, nonce, tag.
    CHECK(bytes->size() == encode_record(record).size() + 1 + 32);
    CHECK(record_header(*bytes).substr(1) == record_header(encode_record(record)).substr(1));

    const auto opened = open_record(*bytes, key, ring);
    REQUIRE(opened.record);
    require_same(*opened.record, record);

    SECTION("two seals of one record differ (fresh nonce)") {
        CHECK(*seal_record(record, key, ring) != *bytes);
    }
    SECTION("moved to another storage key, it does not open") {
        const auto moved = open_record(*bytes, storage_key(new_session_id()), ring);
        CHECK_FALSE(moved.record);
        CHECK(moved.problem.find("authentication failed") != std::string_view::npos);
    }
    SECTION("without its key in the ring, it does not open") {
        const auto other = open_record(*bytes, key, crypto::KeyRing({old_secret}));
        CHECK_FALSE(other.record);
        CHECK(other.problem.find("key ring") != std::string_view::npos);
    }
    SECTION("no byte of it can change, header included") {
        for (std::size_t i = 0; i < bytes->size(); ++i) {
            auto bad = *bytes;
            bad[i] = static_cast<char>(bad[i] ^ 0x01);
            INFO("byte " << i);
            REQUIRE_FALSE(open_record(bad, key, ring).record);
        }
    }
    SECTION("every truncation fails") {
        for (std::size_t n = 0; n < bytes->size(); ++n)
            REQUIRE_FALSE(open_record(std::string_view(*bytes).substr(0, n), key, ring).record);
    }
    SECTION("the clear decoder does not take it for a clear record") {
        CHECK_FALSE(decode_record(*bytes));
    }
}

TEST_CASE("a key rotation keeps sealed records readable; the next write re-seals", "[store][codec][sealed]") {
    const auto key = storage_key(new_session_id());
    const auto bytes = seal_record(fixture_record(), key, crypto::KeyRing({old_secret}));
    REQUIRE(bytes);
    const crypto::KeyRing rotated({new_secret, old_secret});
    const auto opened = open_record(*bytes, key, rotated);
    REQUIRE(opened.record);
    const auto resealed = seal_record(*opened.record, key, rotated);
    REQUIRE(resealed);
    // Only the newest key is needed from now on.
    CHECK(open_record(*resealed, key, crypto::KeyRing({new_secret})).record);
    CHECK_FALSE(open_record(*bytes, key, crypto::KeyRing({new_secret})).record);
}

TEST_CASE("open_record reads clear records as they are", "[store][codec][sealed]") {
    const crypto::KeyRing ring({new_secret});
    const auto record = fixture_record();
    const auto opened = open_record(encode_record(record), "any storage key", ring);
    REQUIRE(opened.record);
    require_same(*opened.record, record);

    auto future = encode_record(record);
    future[0] = 9;
    CHECK_FALSE(open_record(future, "k", ring).record);
    CHECK_FALSE(open_record("", "k", ring).record);
    CHECK(record_header("").empty());
    auto not_object = record;
    not_object.data_json = "[]";
    CHECK_FALSE(open_record(encode_record(not_object), "k", ring).record);
}

TEST_CASE("the committed version 1 records still read, and are re-sealed", "[store][codec][fixture]") {
    const auto lines = test::fixture_lines("record_v1.hex");
    REQUIRE(lines.size() == 2);
    const crypto::KeyRing ring(test::fixture_lines("secret_keys.txt"));
    for (std::size_t i = 0; i < lines.size(); ++i) {
        INFO("record " << i);
        auto want = fixture_record();
        if (i == 0) {
            want.expiry_seconds.reset();
            want.expires = 1768438800;
        }
        const auto bytes = test::from_hex(lines[i]);
        const auto opened = open_record(bytes, storage_key(fixture_id), ring);
        REQUIRE(opened.record);
        require_same(*opened.record, want);
        // Written again, it is sealed, and opens the same.
        const auto resealed = seal_record(*opened.record, storage_key(fixture_id), ring);
        REQUIRE(resealed);
        CHECK(static_cast<std::uint8_t>((*resealed)[0]) == record_format_sealed);
        require_same(*open_record(*resealed, storage_key(fixture_id), ring).record, want);
    }
}

TEST_CASE("the committed sealed record still opens", "[store][codec][fixture]") {
    const auto bytes = test::from_hex(test::fixture_lines("record_v3_sealed.hex").at(0));
    const auto keys = test::fixture_lines("secret_keys.txt");
    for (const auto& ring : {crypto::KeyRing(keys), crypto::KeyRing({new_secret, keys.at(0)})}) {
        const auto opened = open_record(bytes, storage_key(fixture_id), ring);
        REQUIRE(opened.record);
        require_same(*opened.record, fixture_record());
    }
    CHECK_FALSE(open_record(bytes, storage_key(new_session_id()), crypto::KeyRing(keys)).record);
}
