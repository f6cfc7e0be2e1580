#include "session/cookie/sealed_cookie.hpp"

#include "session/crypto/base64url.hpp"
#include "session/crypto/sealed_box.hpp"
#include "session/record_codec.hpp"
#include "session/secret_keys.hpp"
#include "session/session_id.hpp"
#include "unit/fixture_file.hpp"

#include <catch2/catch.hpp>

#include <random>

using namespace sessiongate;
using namespace sessiongate::session;

namespace {

const std::string old_secret(40, 'o');
const std::string new_secret(40, 'n');
constexpr std::int64_t now = 1767229200;

CookieSession sample() {
    CookieSession session;
    session.id = new_session_id();
    session.record.handle = SecretKeys({new_secret}).handle_for(session.id);
    session.record.data_json = R"({"cart":["a","b"],"num_visits":3})";
    session.record.created = now - 100;
    session.record.modified = now;
    session.record.expires = now + 3600;
    session.record.expiry_seconds = 3600;
    return session;
}

void require_same(const CookieSession& a, const CookieSession& b) {
    REQUIRE(a.id == b.id);
    REQUIRE(encode_record(a.record) == encode_record(b.record));  // every field
}

std::string seal(const crypto::KeyRing& ring, const CookieSession& session, std::string_view name = "sessionid") {
    auto sealed = seal_cookie(ring, name, session);
    REQUIRE(sealed.outcome == SealedCookie::Outcome::Sealed);
    return sealed.value;
}

CookieRejection rejection(const crypto::KeyRing& ring, std::string_view value, std::string_view name = "sessionid") {
    return open_cookie(ring, name, value, now).rejection;
}

}  // namespace

TEST_CASE("a sealed cookie holds the whole session", "[sealed_cookie]") {
    const crypto::KeyRing ring({new_secret});
    auto session = sample();
    SECTION("every field comes back") {
        const auto value = seal(ring, session);
        CHECK(value.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
              std::string::npos);
        const auto opened = open_cookie(ring, "sessionid", value, now);
        REQUIRE(opened);
        require_same(opened.session, session);
    }
    SECTION("configured age, browser session, empty object") {
        for (std::optional<std::int64_t> expiry : {std::optional<std::int64_t>{}, std::optional<std::int64_t>{0}}) {
            session.record.expiry_seconds = expiry;
            session.record.data_json = "{}";
            const auto opened = open_cookie(ring, "sessionid", seal(ring, session), now);
            REQUIRE(opened);
            require_same(opened.session, session);
        }
    }
    SECTION("nothing of it readable in the value") {
        session.record.data_json = R"({"secret":"plain words here"})";
        const auto bytes = crypto::base64url_decode(seal(ring, session));
        REQUIRE(bytes);
        CHECK(bytes->find("plain words") == std::string::npos);
        CHECK(bytes->find(session.id) == std::string::npos);
        CHECK(bytes->find(session.record.handle) == std::string::npos);
        CHECK((*bytes)[0] == static_cast<char>(sealed_cookie_version));
    }
    SECTION("fields too long for the format are a caller bug, refused") {
        session.id.assign(256, 'x');
        CHECK(seal_cookie(ring, "sessionid", session).outcome == SealedCookie::Outcome::Invalid);
        session.id = new_session_id();
        session.record.handle.assign(max_handle_bytes + 1, 'h');
        CHECK(seal_cookie(ring, "sessionid", session).outcome == SealedCookie::Outcome::Invalid);
    }
}

TEST_CASE("the 4096-byte cookie limit counts name=value", "[sealed_cookie]") {
    const crypto::KeyRing ring({new_secret});
    auto session = sample();
    const std::string name = "sessionid";
    // Grow the data one byte at a time across the limit: the last value
    // sealed is exactly at it, the next one is refused.
    std::size_t longest = 0;
    for (std::size_t filler = 2800; filler < 3100; ++filler) {
        session.record.data_json = R"({"k":")" + std::string(filler, 'v') + R"("})";
        const auto sealed = seal_cookie(ring, name, session);
        if (sealed.outcome == SealedCookie::Outcome::TooLarge) break;
        REQUIRE(sealed.outcome == SealedCookie::Outcome::Sealed);
        longest = name.size() + 1 + sealed.value.size();
        REQUIRE(open_cookie(ring, name, sealed.value, now));
    }
    CHECK(longest > cookie_limit_bytes - 4);  // base64 grows in steps of up to 4 characters
    CHECK(longest <= cookie_limit_bytes);
    // A longer name leaves less room.
    session.record.data_json = R"({"k":")" + std::string(2800, 'v') + R"("})";
    CHECK(seal_cookie(ring, std::string(1200, 'n'), session).outcome == SealedCookie::Outcome::TooLarge);
}

TEST_CASE("opening rejects what it did not seal, with a reason", "[sealed_cookie]") {
    const crypto::KeyRing ring({new_secret});
    const auto value = seal(ring, sample());

    SECTION("tampered: any character changed") {
        for (std::size_t i = 0; i < value.size(); ++i) {
            auto bad = value;
            bad[i] = bad[i] == 'A' ? 'B' : 'A';
            INFO("character " << i);
            const auto why = rejection(ring, bad);
            // The first characters hold the version and key id; the last
            // may leave the canonical alphabet's padding bits set.
            REQUIRE(why != CookieRejection::None);
            if (i >= 8 && i + 1 < value.size()) REQUIRE(why == CookieRejection::BadTag);
        }
    }
    SECTION("truncated: every length") {
        for (std::size_t n = 0; n < value.size(); ++n) {
            INFO("length " << n);
            REQUIRE(rejection(ring, value.substr(0, n)) != CookieRejection::None);
        }
        CHECK(rejection(ring, value.substr(0, 40)) == CookieRejection::TooShort);
        // Whole groups of four characters cut off: still base64url, so the tag catches it.
        CHECK(rejection(ring, value.substr(0, (value.size() / 4 - 1) * 4)) == CookieRejection::BadTag);
    }
    SECTION("wrongly keyed") {
        CHECK(rejection(crypto::KeyRing({old_secret}), value) == CookieRejection::UnknownKey);
    }
    SECTION("sealed for another cookie name") {
        CHECK(rejection(ring, value, "othername") == CookieRejection::BadTag);
    }
    SECTION("unknown version") {
        auto bytes = *crypto::base64url_decode(value);
        bytes[0] = 2;
        CHECK(rejection(ring, crypto::base64url_encode(bytes)) == CookieRejection::UnknownVersion);
    }
    SECTION("not base64url, or longer than any cookie") {
        CHECK(rejection(ring, value + "=") == CookieRejection::NotBase64url);
        CHECK(rejection(ring, "a b") == CookieRejection::NotBase64url);
        CHECK(rejection(ring, std::string(cookie_limit_bytes + 1, 'A')) == CookieRejection::TooLong);
    }
    SECTION("a session id cookie of a server-side store is no sealed cookie") {
        CHECK(rejection(ring, new_session_id()) == CookieRejection::TooShort);
    }
    SECTION("authentic, but a payload this release never writes") {
        for (const std::string payload : {"", "\x05" "abc", "\x02id", "\x02id{}"}) {
            std::string sealed(1, static_cast<char>(sealed_cookie_version));
            REQUIRE(crypto::seal_box(ring, crypto::KeyUse::SealedCookie, payload,
                                     std::string(1, static_cast<char>(sealed_cookie_version)) + "sessionid", sealed));
            CHECK(rejection(ring, crypto::base64url_encode(sealed)) == CookieRejection::BadPayload);
        }
    }
    SECTION("random values never crash") {
        std::mt19937 rng(17);
        constexpr std::string_view alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=. ";
        for (int i = 0; i < 5000; ++i) {
            std::string text(rng() % 300, 'A');
            for (auto& c : text) c = alphabet[rng() % alphabet.size()];
            REQUIRE(rejection(ring, text) != CookieRejection::None);
        }
    }
    CHECK_FALSE(describe(CookieRejection::BadTag).empty());
}

TEST_CASE("a sealed cookie expires inside the seal", "[sealed_cookie]") {
    const crypto::KeyRing ring({new_secret});
    const auto session = sample();
    const auto value = seal(ring, session);
    CHECK(open_cookie(ring, "sessionid", value, session.record.expires - 1));
    CHECK(open_cookie(ring, "sessionid", value, session.record.expires).rejection == CookieRejection::Expired);
    CHECK(open_cookie(ring, "sessionid", value, session.record.expires + 86400).rejection ==
          CookieRejection::Expired);
}

TEST_CASE("key rotation: old cookies open, new ones are sealed with the new key", "[sealed_cookie]") {
    const crypto::KeyRing before({old_secret});
    const crypto::KeyRing after({new_secret, old_secret});
    const auto session = sample();
    const auto old_value = seal(before, session);
    const auto opened = open_cookie(after, "sessionid", old_value, now);
    REQUIRE(opened);
    require_same(opened.session, session);

    const auto new_value = seal(after, opened.session);
    const auto key_id_of = [](const std::string& value) {
        return std::string(crypto::box_key_id(crypto::base64url_decode(value)->substr(1)));
    };
    CHECK(key_id_of(new_value) == key_id_of(seal(crypto::KeyRing({new_secret}), session)));
    CHECK(key_id_of(new_value) != key_id_of(old_value));
    CHECK(rejection(before, new_value) == CookieRejection::UnknownKey);
}

TEST_CASE("the committed version 1 sealed cookie still opens", "[sealed_cookie][fixture]") {
    const auto keys = test::fixture_lines("secret_keys.txt");
    const auto value = test::fixture_lines("sealed_cookie_v1.txt").at(0);
    // Opened with a ring where its key is no longer the newest, as after a rotation.
    for (const auto& ring : {crypto::KeyRing(keys), crypto::KeyRing({new_secret, keys.at(0)})}) {
        const auto opened = open_cookie(ring, "sessionid", value, 1767229200);
        REQUIRE(opened);
        const auto& s = opened.session;
        CHECK(s.id == "qZ3bLEBBy6Jm6V2tCx0sD4g1ob2uVbYl0mIJb9bTFvU");
        CHECK(s.record.handle == "U2Aev_lrKJ0oClJ6NmeZqJ0TO1-3Sd0oVz-X0uHXaFc");
        CHECK(s.record.handle == SecretKeys(keys).handle_for(s.id));
        CHECK(s.record.data_json ==
              R"({"cart":["apple","pear"],"member_id":42,"name":"Ren\u00e9e","num_visits":3})");
        CHECK(s.record.created == 1767225600);
        CHECK(s.record.modified == 1767229200);
        CHECK(s.record.expires == 1767232800);
        CHECK(s.record.expiry_seconds == 3600);
        CHECK(open_cookie(ring, "sessionid", value, 1767232800).rejection == CookieRejection::Expired);
    }
}
