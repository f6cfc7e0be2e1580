#include "session/control_headers.hpp"

#include <boost/json/parse.hpp>

#include <catch2/catch.hpp>

using namespace sessiongate::session;

namespace {

using Headers = std::vector<std::pair<std::string_view, std::string_view>>;

ControlHeaders parse(const Headers& headers) {
    return parse_control_headers("X-Session", headers);
}

/// An error as it reads in a log line: the header's name, then what is wrong.
std::string text(const ControlHeaderError& error) {
    return error.header + ": " + error.error;
}

}  // namespace

TEST_CASE("is_control_header matches the prefix case-insensitively", "[control_headers]") {
    CHECK(is_control_header("X-Session", "X-Session-Update"));
    CHECK(is_control_header("X-Session", "x-session-action"));
    CHECK(is_control_header("X-Session", "X-SESSION-EXPIRY"));
    CHECK(is_control_header("X-Session", "X-Session"));
    CHECK(is_control_header("X-Session", "x-session-whatever"));
    CHECK_FALSE(is_control_header("X-Session", "X-Sess"));
    CHECK_FALSE(is_control_header("X-Session", "Set-Cookie"));
    CHECK_FALSE(is_control_header("", "X-Session-Update"));
}

TEST_CASE("no control headers", "[control_headers]") {
    const auto control = parse({{"Content-Type", "text/html"}, {"Set-Cookie", "a=b"}});
    CHECK_FALSE(control.any());
    CHECK(control.errors.empty());
}

TEST_CASE("X-Session-Update", "[control_headers]") {
    SECTION("patches kept in order, names in any case") {
        const auto control = parse({{"X-Session-Update", R"({"a":1})"},
                                    {"x-session-update", R"( {"a":null,"b":[1]} )"},
                                    {"X-SESSION-UPDATE", "{}"}});
        CHECK(control.errors.empty());
        REQUIRE(control.patches.size() == 3);
        CHECK(boost::json::value(control.patches[0]) == boost::json::parse(R"({"a":1})"));
        CHECK(boost::json::value(control.patches[1]) == boost::json::parse(R"({"a":null,"b":[1]})"));
        CHECK(control.patches[2].empty());
        CHECK(control.any());
    }
    SECTION("not an object") {
        for (const char* value : {"[1]", "1", "\"a\"", "null", "true"}) {
            INFO(value);
            const auto control = parse({{"X-Session-Update", value}});
            CHECK(control.patches.empty());
            REQUIRE(control.errors.size() == 1);
            CHECK(text(control.errors[0]) == "X-Session-Update: not a JSON object");
        }
    }
    SECTION("not JSON") {
        for (const char* value : {"", "{", "{a:1}", R"({"a":1} x)", R"({"a":1}{"b":2})"}) {
            INFO(value);
            const auto control = parse({{"X-Session-Update", value}});
            CHECK(control.patches.empty());
            REQUIRE(control.errors.size() == 1);
            CHECK_THAT(text(control.errors[0]), Catch::StartsWith("X-Session-Update: not valid JSON"));
        }
    }
    SECTION("larger than 1 MiB") {
        const std::string big = R"({"a":")" + std::string(1024 * 1024, 'x') + R"("})";
        const auto control = parse({{"X-Session-Update", big}});
        CHECK(control.patches.empty());
        REQUIRE(control.errors.size() == 1);
        CHECK(text(control.errors[0]) == "X-Session-Update: larger than 1 MiB");
    }
    SECTION("nested too deep") {
        const std::string deep = std::string(200, '[') + std::string(200, ']');
        const std::string value = R"({"a":)" + deep + "}";
        const auto control = parse({{"X-Session-Update", value}});
        CHECK(control.patches.empty());
        CHECK(control.errors.size() == 1);
    }
    SECTION("a number beyond a double") {
        // Read as infinity and written back as `Infinity`, which is not JSON:
        // stored, it would leave the whole session unreadable (found by
        // tests/fuzz/fuzz_control_headers).
        for (const std::string_view value : {R"({"m":1e400})", R"({"a":{"b":[1,-1e999]}})"}) {
            const auto control = parse({{"X-Session-Update", value}});
            CHECK(control.patches.empty());
            REQUIRE(control.errors.size() == 1);
            CHECK(text(control.errors[0]) == "X-Session-Update: a number too large for a double");
        }
        CHECK(parse({{"X-Session-Update", R"({"m":1e300,"n":-1.5e-400})"}}).errors.empty());
    }
}

TEST_CASE("X-Session-Action", "[control_headers]") {
    SECTION("each action, trimmed and in any case") {
        CHECK(parse({{"X-Session-Action", "flush"}}).action == SessionAction::Flush);
        CHECK(parse({{"X-Session-Action", " Cycle "}}).action == SessionAction::Cycle);
        CHECK(parse({{"x-session-action", "CLEAR"}}).action == SessionAction::Clear);
        CHECK(parse({{"X-Session-Action", "flush"}}).any());
    }
    SECTION("the same action twice is fine") {
        const auto control = parse({{"X-Session-Action", "flush"}, {"X-Session-Action", "FLUSH"}});
        CHECK(control.action == SessionAction::Flush);
        CHECK(control.errors.empty());
    }
    SECTION("two different actions are an error") {
        const auto control = parse({{"X-Session-Action", "cycle"}, {"X-Session-Action", "flush"}});
        REQUIRE(control.errors.size() == 1);
        CHECK(text(control.errors[0]) == "X-Session-Action: conflicting actions cycle and flush");
    }
    SECTION("unknown actions") {
        for (const char* value : {"", "delete", "flush, cycle", "flus"}) {
            INFO(value);
            const auto control = parse({{"X-Session-Action", value}});
            CHECK(control.action == SessionAction::None);
            REQUIRE(control.errors.size() == 1);
            CHECK_THAT(text(control.errors[0]), Catch::StartsWith("X-Session-Action: unknown action"));
        }
    }
    SECTION("control bytes in a value do not reach the message") {
        const auto control = parse({{"X-Session-Action", "x\r\ny"}});
        REQUIRE(control.errors.size() == 1);
        CHECK(text(control.errors[0]).find('\n') == std::string::npos);
        CHECK(text(control.errors[0]).find('\r') == std::string::npos);
    }
}

TEST_CASE("X-Session-Expiry", "[control_headers]") {
    using Kind = ExpirySetting::Kind;
    SECTION("seconds") {
        const auto control = parse({{"X-Session-Expiry", "300"}});
        REQUIRE(control.expiry);
        CHECK(control.expiry->kind == Kind::Seconds);
        CHECK(control.expiry->seconds == 300);
        CHECK(control.any());
    }
    SECTION("0 is a browser-session cookie") {
        const auto control = parse({{"X-Session-Expiry", " 0 "}});
        REQUIRE(control.expiry);
        CHECK(control.expiry->kind == Kind::BrowserSession);
    }
    SECTION("default") {
        const auto control = parse({{"X-Session-Expiry", "Default"}});
        REQUIRE(control.expiry);
        CHECK(control.expiry->kind == Kind::Default);
    }
    SECTION("the last one wins") {
        const auto control = parse({{"X-Session-Expiry", "300"}, {"X-Session-Expiry", "60"}});
        CHECK(control.errors.empty());
        REQUIRE(control.expiry);
        CHECK(control.expiry->seconds == 60);
    }
    SECTION("malformed") {
        for (const char* value : {"", "-1", "+5", "1.5", "1e3", "10s", "never", "99999999999999999999", "3155760001"}) {
            INFO(value);
            const auto control = parse({{"X-Session-Expiry", value}});
            CHECK_FALSE(control.expiry);
            REQUIRE(control.errors.size() == 1);
            CHECK_THAT(text(control.errors[0]), Catch::StartsWith("X-Session-Expiry: expected seconds"));
        }
    }
}

TEST_CASE("other headers under the prefix", "[control_headers]") {
    SECTION("a name the contract does not define is noted, not an error") {
        const auto control = parse({{"X-Session-Updates", "{}"},
                                    {"X-Session-Debug", "1"},
                                    {"X-Session-Update", R"({"a":1})"},
                                    {"X-Sessions", "3"}});
        CHECK(control.errors.empty());
        CHECK(control.unknown == std::vector<std::string>{"X-Session-Updates", "X-Session-Debug", "X-Sessions"});
        CHECK(control.patches.size() == 1);
    }
    SECTION("request headers echoed back are stripped without effect") {
        const auto control = parse({{"X-Session", "{}"},
                                    {"X-Session-Id", "h"},
                                    {"x-session-state", "active"},
                                    {"X-Session-Expires", "1"}});
        CHECK(control.errors.empty());
        CHECK_FALSE(control.any());
    }
    SECTION("a custom prefix") {
        const auto control = parse_control_headers("X-Gate", {{"X-Gate-Update", R"({"a":1})"},
                                                              {"X-Session-Update", R"({"b":1})"}});
        CHECK(control.errors.empty());
        CHECK(control.patches.size() == 1);
    }
    SECTION("errors do not stop the others from being parsed, and each is reported") {
        const auto control = parse({{"X-Session-Update", "[]"},
                                    {"X-Session-Action", "flush"},
                                    {"X-Session-Expiry", "soon"},
                                    {"X-Session-Update", R"({"a":1})"}});
        CHECK(control.errors.size() == 2);
        CHECK(control.action == SessionAction::Flush);
        CHECK(control.patches.size() == 1);
    }
}
