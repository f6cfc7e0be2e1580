#include "proxy/message_rules.hpp"

#include <boost/beast/http/error.hpp>
#include <catch2/catch.hpp>

#include <set>
#include <string>

using namespace sessiongate::proxy;
namespace http = boost::beast::http;

TEST_CASE("response_has_body: one rule for bodiless responses", "[message_rules]") {
    CHECK(response_has_body(false, 200));
    CHECK(response_has_body(false, 404));
    CHECK(response_has_body(false, 101 + 100));  // 201
    CHECK_FALSE(response_has_body(true, 200));   // HEAD
    CHECK_FALSE(response_has_body(false, 100));
    CHECK_FALSE(response_has_body(false, 103));
    CHECK_FALSE(response_has_body(false, 204));
    CHECK_FALSE(response_has_body(false, 304));
}

TEST_CASE("request_body_error: 413 for the limit, 400 for the rest", "[message_rules]") {
    CHECK(request_body_error(http::error::body_limit).status == 413);
    CHECK(request_body_error(http::error::bad_chunk).status == 400);
    CHECK(request_body_error(http::error::partial_message).status == 400);
    CHECK_FALSE(request_body_error(http::error::bad_chunk).reason.empty());
}

TEST_CASE("is_sane_request_id", "[message_rules]") {
    CHECK(is_sane_request_id("f47ac10b-58cc-4372-a567-0e02b2c3d479"));
    CHECK(is_sane_request_id("abc123"));
    CHECK(is_sane_request_id("YWJj+/w=="));
    CHECK(is_sane_request_id("trace:1.2_3"));
    CHECK(is_sane_request_id(std::string(128, 'a')));
    CHECK_FALSE(is_sane_request_id(""));
    CHECK_FALSE(is_sane_request_id(std::string(129, 'a')));
    CHECK_FALSE(is_sane_request_id("has space"));
    CHECK_FALSE(is_sane_request_id("quote\""));
    CHECK_FALSE(is_sane_request_id("tab\there"));
    CHECK_FALSE(is_sane_request_id("new\nline"));
    CHECK_FALSE(is_sane_request_id("caf\xc3\xa9"));
}

TEST_CASE("new_request_id: 32 hex digits, never the same twice", "[message_rules]") {
    std::set<std::string> seen;
    for (int i = 0; i < 10000; ++i) {
        auto id = new_request_id();
        REQUIRE(id.size() == 32);
        REQUIRE(id.find_first_not_of("0123456789abcdef") == std::string::npos);
        REQUIRE(is_sane_request_id(id));
        seen.insert(id);
    }
    CHECK(seen.size() == 10000);
}
