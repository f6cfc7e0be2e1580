#include "session/cookie_header.hpp"
#include "session/session_cookie.hpp"
#include "session/session_id.hpp"

#include <catch2/catch.hpp>

using namespace sessiongate;
using namespace sessiongate::session;

namespace {

const std::string id_a = std::string(42, 'a') + "A";
const std::string id_b = std::string(42, 'b') + "Q";

}  // namespace

TEST_CASE("parse_cookie_header splits pairs leniently", "[cookie]") {
    const auto pairs = parse_cookie_header(R"(  a=b;c = d ;; ;e="quoted value";f=x=y=;bare; g=)");
    REQUIRE(pairs.size() == 6);
    CHECK(pairs[0].name == "a");
    CHECK(pairs[0].value == "b");
    CHECK(pairs[1].name == "c");
    CHECK(pairs[1].value == "d");
    CHECK(pairs[1].text == "c = d");
    CHECK(pairs[2].name == "e");
    CHECK(pairs[2].value == "quoted value");
    CHECK(pairs[2].text == R"(e="quoted value")");
    CHECK(pairs[3].name == "f");
    CHECK(pairs[3].value == "x=y=");
    CHECK(pairs[4].name == "");
    CHECK(pairs[4].value == "bare");
    CHECK(pairs[5].name == "g");
    CHECK(pairs[5].value == "");
    CHECK(parse_cookie_header("").empty());
    CHECK(parse_cookie_header(" ; ;").empty());
}

TEST_CASE("find_session_cookie", "[cookie]") {
    using Kind = CookieLookup::Kind;

    SECTION("absent") {
        CHECK(find_session_cookie({}, "sessionid").kind == Kind::Absent);
        CHECK(find_session_cookie({"a=b; csrftoken=x"}, "sessionid").kind == Kind::Absent);
        // Names are case-sensitive and must match whole.
        CHECK(find_session_cookie({"SessionId=" + id_a + "; sessionid2=" + id_a}, "sessionid").kind ==
              Kind::Absent);
    }
    SECTION("well formed, among others, with spaces") {
        const std::string header = "csrftoken=abc;   sessionid = " + id_a + " ; theme=dark";
        const auto found = find_session_cookie({header}, "sessionid");
        CHECK(found.kind == Kind::Present);
        CHECK(found.value == id_a);
    }
    SECTION("quoted value") {
        const std::string header = "sessionid=\"" + id_a + "\"";
        const auto found = find_session_cookie({header}, "sessionid");
        CHECK(found.kind == Kind::Present);
        CHECK(found.value == id_a);
    }
    SECTION("the first one wins, across several Cookie headers") {
        const std::string first = "a=1";
        const std::string second = "sessionid=" + id_b + "; sessionid=" + id_a;
        const std::string third = "sessionid=" + id_a;
        const auto found = find_session_cookie({first, second, third}, "sessionid");
        CHECK(found.kind == Kind::Present);
        CHECK(found.value == id_b);
    }
    SECTION("a bad first one is not skipped for a later good one") {
        const std::string header = "sessionid=; sessionid=" + id_a;
        CHECK(find_session_cookie({header}, "sessionid").kind == Kind::Malformed);
    }
    SECTION("the value's shape is the store's to judge: any value passes, as sent") {
        for (const std::string& value :
             std::vector<std::string>{std::string("abc"), id_a + "=", id_a.substr(1) + "+", std::string(42, 'a') + "B",
                                      "\"" + id_a, id_a + "x", "v1.kid.nonce.ciphertext.tag",
                                      std::string(max_cookie_value_bytes, 'x')}) {
            INFO(value);
            const std::string header = "sessionid=" + value;
            const auto found = find_session_cookie({header}, "sessionid");
            CHECK(found.kind == Kind::Present);
            CHECK(found.value == value);
        }
    }
    SECTION("empty and oversized values are never looked up") {
        for (const std::string& value :
             std::vector<std::string>{std::string(""), "\"\"", std::string(max_cookie_value_bytes + 1, 'x')}) {
            INFO(value.size());
            const std::string header = "sessionid=" + value + "; a=1";
            const auto found = find_session_cookie({header}, "sessionid");
            CHECK(found.kind == Kind::Malformed);
            CHECK(found.value.empty());
        }
    }
    SECTION("a custom cookie name") {
        const std::string header = "sessionid=x; __Host-sid=" + id_a;
        const auto found = find_session_cookie({header}, "__Host-sid");
        CHECK(found.kind == Kind::Present);
        CHECK(found.value == id_a);
    }
}

TEST_CASE("remove_cookie keeps the other cookies as sent", "[cookie]") {
    CHECK(remove_cookie("a=1; sessionid=" + id_a + "; b=\"x y\"", "sessionid") == "a=1; b=\"x y\"");
    CHECK(remove_cookie("sessionid=" + id_a, "sessionid") == "");
    CHECK(remove_cookie("a=1;b=2;;  c = 3 ;sessionid=x;sessionid=y", "sessionid") == "a=1; b=2; c = 3");
    CHECK(remove_cookie("x=a=b; bare; sessionid=" + id_a + "; z=", "sessionid") == "x=a=b; bare; z=");
    CHECK(remove_cookie("a=1; b=2", "sessionid") == "a=1; b=2");
    CHECK(remove_cookie("sessionidx=1; Sessionid=2", "sessionid") == "sessionidx=1; Sessionid=2");
    CHECK(remove_cookie("", "sessionid") == "");
}

TEST_CASE("set_cookie_name", "[cookie]") {
    CHECK(set_cookie_name("sessionid=abc; Path=/") == "sessionid");
    CHECK(set_cookie_name("  sessionid = abc") == "sessionid");
    CHECK(set_cookie_name("theme=dark") == "theme");
    CHECK(set_cookie_name("sessionid=") == "sessionid");
    CHECK(set_cookie_name("=abc") == "");
    CHECK(set_cookie_name("no-equals; Path=/") == "");
    CHECK(set_cookie_name("a; b=c") == "");
}

TEST_CASE("http_date writes IMF-fixdate", "[cookie]") {
    CHECK(http_date(0) == "Thu, 01 Jan 1970 00:00:00 GMT");
    CHECK(http_date(784111777) == "Sun, 06 Nov 1994 08:49:37 GMT");  // RFC 9110's example
    CHECK(http_date(1767225599) == "Wed, 31 Dec 2025 23:59:59 GMT");
}

TEST_CASE("format_session_cookie writes Django's attributes in Django's order", "[cookie]") {
    config::CookieSettings cookie;
    const std::int64_t now = 784111777;

    SECTION("defaults") {
        CHECK(format_session_cookie(cookie, id_a, 1209600, now, false) ==
              "sessionid=" + id_a + "; expires=Sun, 20 Nov 1994 08:49:37 GMT; HttpOnly; Max-Age=1209600; Path=/; SameSite=Lax");
    }
    SECTION("browser-session cookie: neither expires nor Max-Age") {
        CHECK(format_session_cookie(cookie, id_a, std::nullopt, now, false) == "sessionid=" + id_a + "; HttpOnly; Path=/; SameSite=Lax");
    }
    SECTION("every attribute") {
        cookie.name = "sid";
        cookie.domain = ".example.com";
        cookie.path = "/app";
        cookie.samesite = config::SameSite::Strict;
        CHECK(format_session_cookie(cookie, id_a, 60, now, true) ==
              "sid=" + id_a + "; Domain=.example.com; expires=Sun, 06 Nov 1994 08:50:37 GMT; HttpOnly; Max-Age=60; "
              "Path=/app; SameSite=Strict; Secure");
    }
    SECTION("no HttpOnly; SameSite=None gets Secure even on a plain connection") {
        cookie.httponly = false;
        cookie.samesite = config::SameSite::None;
        CHECK(format_session_cookie(cookie, id_a, 0, now, false) ==
              "sessionid=" + id_a + "; expires=Sun, 06 Nov 1994 08:49:37 GMT; Max-Age=0; Path=/; SameSite=None; Secure");
    }
    SECTION("a negative age is clamped to zero") {
        CHECK_THAT(format_session_cookie(cookie, id_a, -5, now, false), Catch::Contains("; Max-Age=0;"));
    }
    SECTION("prefixed names always get Secure") {
        cookie.name = "__Host-sessionid";
        CHECK_THAT(format_session_cookie(cookie, id_a, 60, now, false), Catch::EndsWith("; Secure"));
        cookie.name = "__Secure-sessionid";
        CHECK_THAT(format_session_cookie(cookie, id_a, 60, now, false), Catch::EndsWith("; Secure"));
        cookie.name = "sessionid";
        CHECK_THAT(format_session_cookie(cookie, id_a, 60, now, false), !Catch::Contains("Secure"));
    }
}

TEST_CASE("format_deletion_cookie is Django's delete_cookie", "[cookie]") {
    config::CookieSettings cookie;
    CHECK(format_deletion_cookie(cookie, false) ==
          "sessionid=\"\"; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/; SameSite=Lax");
    cookie.domain = "example.com";
    cookie.path = "/app";
    CHECK(format_deletion_cookie(cookie, true) ==
          "sessionid=\"\"; Domain=example.com; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/app; "
          "SameSite=Lax; Secure");
}

TEST_CASE("cookie parsing survives arbitrary bytes and never leaks the session cookie", "[cookie]") {
    // A small deterministic generator: the same inputs on every run.
    std::uint32_t state = 12345;
    auto next = [&] {
        state = state * 1664525u + 1013904223u;
        return state >> 8;
    };
    const std::string alphabet = "sessionid=;\" \t,aA0-_\r\n\x7f\xff";
    for (int round = 0; round < 2000; ++round) {
        std::string header;
        const auto length = next() % 80;
        for (std::uint32_t i = 0; i < length; ++i) header += alphabet[next() % alphabet.size()];
        if (next() % 2) header += "; sessionid=" + id_a;
        INFO(header);
        const auto kept = remove_cookie(header, "sessionid");
        for (const auto& pair : parse_cookie_header(kept)) CHECK(pair.name != "sessionid");
        const auto lookup = find_session_cookie({header}, "sessionid");
        if (lookup.kind == CookieLookup::Kind::Present) CHECK_FALSE(lookup.value.empty());
        else CHECK(lookup.value.empty());
    }
}
