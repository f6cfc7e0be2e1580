#include "session/record_codec.hpp"

#include <catch2/catch.hpp>

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
    SECTION("wrong version") {
        auto bad = good;
        bad[0] = 2;
        REQUIRE_FALSE(decode_record(bad));
    }
    SECTION("unknown expiry mode") {
        auto bad = good;
        bad[25] = 7;
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
