#include "session/record_codec.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>

using namespace sessiongate::session;

namespace {

SessionRecord sample() {
    SessionRecord r;
    r.handle = "hAnDle_-123";
    r.data_json = R"({"num_visits":3,"cart":["a","b"]})";
    r.created = 1700000000;
    r.modified = 1700000100;
    r.expires = 1701209700;
    r.expiry_seconds = 3600;
    return r;
}

void require_same(const SessionRecord& a, const SessionRecord& b) {
    REQUIRE(a.handle == b.handle);
    REQUIRE(a.data_json == b.data_json);
    REQUIRE(a.created == b.created);
    REQUIRE(a.modified == b.modified);
    REQUIRE(a.expires == b.expires);
    REQUIRE(a.expiry_seconds == b.expiry_seconds);
    REQUIRE(a.internal == b.internal);
}

std::string fixture(const char* name) {
    const auto path = std::filesystem::path(SESSIONGATE_SOURCE_DIR) / "tests/unit/session/fixtures" / name;
    std::ifstream in(path, std::ios::binary);
    REQUIRE(in);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST_CASE("record codec round trip", "[store][codec]") {
    SECTION("own expiry") {
        const auto r = sample();
        const auto bytes = encode_record(r);
        REQUIRE(bytes.size() == record_header_bytes + r.handle.size() + r.data_json.size());
        auto view = decode_record(bytes);
        REQUIRE(view);
        require_same(view->to_record(), r);
        // The data is handed out as stored, without parsing.
        REQUIRE(view->data_json.data() == bytes.data() + bytes.size() - r.data_json.size());
    }
    SECTION("configured age, browser session, negative and large times") {
        auto r = sample();
        for (std::optional<std::int64_t> e :
             {std::optional<std::int64_t>{}, std::optional<std::int64_t>{0}}) {
            r.expiry_seconds = e;
            r.created = -5;
            r.expires = INT64_MAX;
            const auto bytes = encode_record(r);  // the view points into it
            auto view = decode_record(bytes);
            REQUIRE(view);
            require_same(view->to_record(), r);
        }
    }
    SECTION("longest handle, empty object") {
        auto r = sample();
        r.handle.assign(max_handle_bytes, 'h');
        r.data_json = "{}";
        const auto bytes = encode_record(r);
        auto view = decode_record(bytes);
        REQUIRE(view);
        require_same(view->to_record(), r);
    }
}

TEST_CASE("record codec rejects garbage", "[store][codec]") {
    const auto good = encode_record(sample());

    SECTION("every truncation") {
        for (std::size_t n = 0; n < good.size(); ++n) {
            INFO("length " << n);
            REQUIRE_FALSE(decode_record(std::string_view(good).substr(0, n)));
        }
    }
    SECTION("unknown versions") {
        for (const char version : {'\0', '\3', '\xff'}) {
            auto bad = good;
            bad[0] = version;
            REQUIRE_FALSE(decode_record(bad));
        }
    }
    SECTION("unknown expiry mode") {
        auto bad = good;
        bad[25] = 7;
        REQUIRE_FALSE(decode_record(bad));
    }
    SECTION("seconds under the configured-age mode") {
        // One encoding per record, so a record read and written back never
        // changes (found by tests/fuzz/fuzz_record_codec).
        auto r = sample();
        r.expiry_seconds.reset();
        auto bad = encode_record(r);
        REQUIRE(decode_record(bad));
        bad[26] = 1;  // the first byte of the seconds, which this mode leaves 0
        REQUIRE_FALSE(decode_record(bad));
    }
    SECTION("negative own expiry") {
        auto r = sample();
        r.expiry_seconds = -1;
        REQUIRE_FALSE(decode_record(encode_record(r)));
    }
    SECTION("handle length past the end or over the limit") {
        auto bad = good;
        bad[34] = static_cast<char>(0xff);
        bad[35] = static_cast<char>(0xff);
        REQUIRE_FALSE(decode_record(bad));
    }
    SECTION("data that is not an object text") {
        auto r = sample();
        for (const char* data : {"", "[]", "{", "null", "}{"}) {
            r.data_json = data;
            REQUIRE_FALSE(decode_record(encode_record(r)));
        }
    }
    SECTION("random bytes never crash") {
        std::mt19937 rng(42);
        std::size_t accepted = 0;
        for (int i = 0; i < 20000; ++i) {
            std::string bytes(rng() % 96, '\0');
            for (auto& c : bytes) c = static_cast<char>(rng());
            if (i % 2 == 0 && !bytes.empty()) bytes[0] = 1;  // get past the version byte
            if (auto view = decode_record(bytes)) {
                ++accepted;
                REQUIRE(view->handle.size() <= max_handle_bytes);
                REQUIRE(view->data_json.front() == '{');
            }
        }
        CHECK(accepted < 100);
    }
}

TEST_CASE("record codec: a version 1 record written before internal fields existed still reads",
          "[store][codec][fixture]") {
    // record_v1.bin was written by the version 1 encoder and is never
    // regenerated: every later decoder must read it as it is.
    const auto bytes = fixture("record_v1.bin");
    const auto view = decode_record(bytes);
    REQUIRE(view);
    CHECK(view->version == record_version_plain);
    const auto r = view->to_record();
    CHECK(r.handle == "Zk3c0dX8mGq1v2Lr9PbT4yWn6sHa7eJx5uCo-_iQfKE");
    CHECK(r.data_json == "{\"cart\":[\"book\",\"pen\"],\"member_id\":42,\"name\":\"Zo\xc3\xab\",\"prefs\":{\"theme\":\"dark\"}}");
    CHECK(r.created == 1700000000);
    CHECK(r.modified == 1700000600);
    CHECK(r.expires == 1700003600);
    CHECK(r.expiry_seconds == 3000);
    CHECK(r.internal.empty());
    // And a record without internal fields is still written as version 1,
    // byte for byte, so an older release reads what this one writes.
    CHECK(encode_record(r) == bytes);
}

TEST_CASE("record codec: internal fields (version 2)", "[store][codec]") {
    auto r = sample();
    r.internal = {{"csrf", std::string("s\0cret", 6)}, {"a", ""}, {std::string(max_internal_name_bytes, 'n'), "v"}};
    const auto bytes = encode_record(r);
    CHECK(bytes[0] == static_cast<char>(record_version_internal));
    auto view = decode_record(bytes);
    REQUIRE(view);
    CHECK(view->version == record_version_internal);
    CHECK(view->data_json == r.data_json);
    CHECK(view->handle == r.handle);
    require_same(view->to_record(), r);

    SECTION("every truncation is refused") {
        for (std::size_t n = 0; n < bytes.size(); ++n) {
            INFO("length " << n);
            REQUIRE_FALSE(decode_record(std::string_view(bytes).substr(0, n)));
        }
    }
    SECTION("fields out of order or repeated are refused") {
        SessionRecord one = sample();
        one.internal = {{"b", "1"}, {"c", "2"}};
        auto swapped = encode_record(one);
        const auto at = swapped.find("b\x01");
        REQUIRE(at != std::string::npos);
        swapped[at] = 'd';  // "d" then "c": not ascending
        REQUIRE_FALSE(decode_record(swapped));
        swapped[at] = 'c';  // "c" twice
        REQUIRE_FALSE(decode_record(swapped));
    }
    SECTION("version 2 with no fields is refused") {
        // Written as version 1, so only one encoding per record decodes and a
        // record read and written back keeps its bytes (found by
        // tests/fuzz/fuzz_record_codec).
        auto empty = encode_record(sample());
        empty[0] = static_cast<char>(record_version_internal);
        empty.insert(record_header_bytes + sample().handle.size(), std::string(2, '\0'));
        REQUIRE_FALSE(decode_record(empty));
    }
    SECTION("bounds") {
        CHECK(is_encodable(r));
        auto long_name = r;
        long_name.internal[std::string(max_internal_name_bytes + 1, 'n')] = "v";
        CHECK_FALSE(is_encodable(long_name));
        auto long_value = r;
        long_value.internal["v"] = std::string(max_internal_value_bytes + 1, 'v');
        CHECK_FALSE(is_encodable(long_value));
        auto many = sample();
        for (std::size_t i = 0; i <= max_internal_fields; ++i) many.internal[std::to_string(i)] = "";
        CHECK_FALSE(is_encodable(many));
        auto long_handle = sample();
        long_handle.handle.assign(max_handle_bytes + 1, 'h');
        CHECK_FALSE(is_encodable(long_handle));
    }
}
