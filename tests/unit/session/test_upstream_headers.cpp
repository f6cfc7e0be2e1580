#include "session/upstream_headers.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <catch2/catch.hpp>

#include <map>

using namespace sessiongate;
using namespace sessiongate::session;

namespace {

std::map<std::string, std::string> as_map(const std::vector<Header>& headers) {
    std::map<std::string, std::string> map;
    for (const auto& [name, value] : headers) {
        INFO(name);
        CHECK(map.count(name) == 0);  // each header once
        map[name] = value;
    }
    return map;
}

SessionRecord active_record(std::string data_json) {
    SessionRecord record;
    record.handle = "the-handle";
    record.data_json = std::move(data_json);
    record.expires = 1700001234;
    return record;
}

std::vector<Header> active_headers(const config::Config& config, std::string data_json) {
    const auto record = active_record(std::move(data_json));
    return upstream_session_headers(config, SessionState::Active, &record);
}

bool single_line(const std::string& value) {
    for (char c : value) {
        const auto byte = static_cast<unsigned char>(c);
        if ((byte < 0x20 && byte != '\t') || byte == 0x7f) return false;
    }
    return true;
}

bool ascii_only(const std::string& value) {
    for (char c : value)
        if (static_cast<unsigned char>(c) >= 0x80) return false;
    return true;
}

}  // namespace

TEST_CASE("is_reserved_request_header", "[upstream_headers]") {
    config::Config config;
    config.inject = {{"member_id", "X-Member-Id"}};
    CHECK(is_reserved_request_header(config, "X-Session"));
    CHECK(is_reserved_request_header(config, "x-session"));
    CHECK(is_reserved_request_header(config, "X-Session-Id"));
    CHECK(is_reserved_request_header(config, "x-session-foo"));
    CHECK(is_reserved_request_header(config, "X-SESSIONS"));
    CHECK(is_reserved_request_header(config, "x-member-id"));
    CHECK_FALSE(is_reserved_request_header(config, "X-Member"));
    CHECK_FALSE(is_reserved_request_header(config, "X-Sess"));
    CHECK_FALSE(is_reserved_request_header(config, "Cookie"));
    CHECK_FALSE(is_reserved_request_header(config, "Session"));

    config.header_prefix = "X-Gate";
    CHECK(is_reserved_request_header(config, "x-gate-update"));
    CHECK_FALSE(is_reserved_request_header(config, "X-Session-Id"));
}

TEST_CASE("upstream headers without an active session", "[upstream_headers]") {
    config::Config config;
    config.inject = {{"member_id", "X-Member-Id"}};
    const auto record = active_record(R"({"member_id":1})");
    for (const auto state :
         {SessionState::None, SessionState::Expired, SessionState::Invalid, SessionState::Unavailable}) {
        // A record passed along by mistake is not shown either.
        const auto headers = upstream_session_headers(config, state, &record);
        REQUIRE(headers.size() == 2);
        CHECK(headers[0] == Header{"X-Session-State", std::string(to_string(state))});
        CHECK(headers[1] == Header{"X-Session", "{}"});
    }
    CHECK(to_string(SessionState::None) == "none");
    CHECK(to_string(SessionState::Active) == "active");
    CHECK(to_string(SessionState::Expired) == "expired");
    CHECK(to_string(SessionState::Invalid) == "invalid");
    CHECK(to_string(SessionState::Unavailable) == "unavailable");
}

TEST_CASE("upstream headers of an active session", "[upstream_headers]") {
    config::Config config;
    const auto headers = as_map(active_headers(config, R"({"num_visits":3})"));
    CHECK(headers == std::map<std::string, std::string>{{"X-Session-State", "active"},
                                                        {"X-Session-Id", "the-handle"},
                                                        {"X-Session-Expires", "1700001234"},
                                                        {"X-Session", R"({"num_visits":3})"}});

    SECTION("the prefix is configurable") {
        config.header_prefix = "X-Gate";
        const auto renamed = as_map(active_headers(config, "{}"));
        CHECK(renamed.count("X-Gate") == 1);
        CHECK(renamed.count("X-Gate-Id") == 1);
        CHECK(renamed.count("X-Gate-State") == 1);
        CHECK(renamed.count("X-Gate-Expires") == 1);
    }
    SECTION("the handle, never the cookie value") {
        const std::string cookie_value = std::string(42, 'a') + "A";
        for (const auto& [name, value] : active_headers(config, "{}"))
            CHECK(value.find(cookie_value) == std::string::npos);
    }
    SECTION("empty stored data shows as {}") {
        CHECK(as_map(active_headers(config, ""))["X-Session"] == "{}");
    }
}

TEST_CASE("X-Session is always one safe line of valid JSON", "[upstream_headers]") {
    config::Config config;
    // What a store writes: Boost.JSON already escapes \r \n \0.
    boost::json::object data;
    data["evil"] = std::string("a\r\nSet-Cookie: x=y\0z", 20);
    data["del"] = "\x7f";
    data["name"] = "Ren\xc3\xa9";  // UTF-8 é
    const auto compact = boost::json::serialize(data);

    // And a record whose text holds raw control bytes (a foreign writer).
    const std::string raw = "{\n\"a\" : \"x\x7fy\"\r\n}";

    for (const std::string& stored : std::vector<std::string>{compact, raw}) {
        const auto headers = as_map(active_headers(config, stored));
        const auto& value = headers.at("X-Session");
        INFO(value);
        CHECK(single_line(value));
        CHECK(ascii_only(value));
        boost::system::error_code ec;
        const auto parsed = boost::json::parse(value, ec);
        REQUIRE_FALSE(ec);
        REQUIRE(parsed.is_object());
        if (stored == compact) {
            CHECK(parsed == boost::json::value(data));
            CHECK(value.find("Ren\\u00e9") != std::string::npos);  // non-ASCII as an escape
        } else {
            CHECK(parsed == boost::json::parse(R"({"a":"x\u007fy"})"));
        }
    }
    SECTION("a record that is not a JSON object shows as {}") {
        CHECK(as_map(active_headers(config, "[1,\n2]"))["X-Session"] == "{}");
    }
}

TEST_CASE("mapped headers from inject", "[upstream_headers]") {
    config::Config config;
    config.inject = {{"member_id", "X-Member-Id"}, {"name", "X-Name"},       {"admin", "X-Admin"},
                     {"score", "X-Score"},         {"roles", "X-Roles"},     {"prefs", "X-Prefs"},
                     {"missing", "X-Missing"},     {"evil", "X-Evil"},       {"nothing", "X-Nothing"},
                     {"tabbed", "X-Tabbed"},       {"del", "X-Del"},         {"empty", "X-Empty"}};
    boost::json::object data;
    data["member_id"] = 42;
    data["name"] = "Ren\xc3\xa9";
    data["admin"] = true;
    data["score"] = 1.5;
    data["roles"] = boost::json::array{"a", "b\r\nX: y"};
    data["prefs"] = boost::json::object{{"theme", "dark"}};
    data["evil"] = "x\r\nSet-Cookie: a=b";
    data["nothing"] = nullptr;
    data["tabbed"] = "a\tb";
    data["del"] = "a\x7f";
    data["empty"] = "";

    const auto headers = as_map(active_headers(config, boost::json::serialize(data)));
    CHECK(headers.at("X-Member-Id") == "42");
    CHECK(headers.at("X-Name") == R"("Ren\u00e9")");  // non-ASCII text as a JSON string
    CHECK(headers.at("X-Admin") == "true");
    CHECK(headers.at("X-Score") == "1.5");
    CHECK(headers.at("X-Roles") == R"(["a","b\r\nX: y"])");
    CHECK(headers.at("X-Prefs") == R"({"theme":"dark"})");
    CHECK(headers.at("X-Tabbed") == "a\tb");
    CHECK(headers.at("X-Empty") == "");
    CHECK(headers.count("X-Missing") == 0);
    CHECK(headers.count("X-Evil") == 0);
    CHECK(headers.count("X-Nothing") == 0);
    CHECK(headers.count("X-Del") == 0);
    for (const auto& [name, value] : headers) {
        INFO(name);
        CHECK(single_line(value));
        CHECK(ascii_only(value));
    }

    SECTION("no mapped headers without an active session") {
        const auto record = active_record(boost::json::serialize(data));
        CHECK(upstream_session_headers(config, SessionState::Expired, &record).size() == 2);
    }
}
