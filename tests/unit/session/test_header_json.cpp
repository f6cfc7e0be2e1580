#include "session/header_json.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <catch2/catch.hpp>

using namespace sessiongate::session;

TEST_CASE("header_json is ASCII only", "[header_json]") {
    SECTION("Latin-1, other planes and DEL as \\u escapes") {
        boost::json::object data;
        data["name"] = "Zo\xc3\xab";           // ë
        data["cjk"] = "\xe6\x97\xa5";           // 日
        data["emoji"] = "\xf0\x9f\x98\x80";     // U+1F600: a surrogate pair
        data["del"] = "a\x7f";
        data["Zo\xc3\xab"] = 1;                 // keys too
        const auto text = header_json(data);
        CHECK(text == R"({"name":"Zo\u00eb","cjk":"\u65e5","emoji":"\ud83d\ude00","del":"a\u007f","Zo\u00eb":1})");
        CHECK(boost::json::parse(text) == boost::json::value(data));
    }
    SECTION("ASCII text is left as Boost.JSON writes it") {
        boost::json::object data;
        data["a"] = "plain \"quoted\" \\ / text";
        data["n"] = 1.5;
        CHECK(header_json(data) == boost::json::serialize(data));
    }
}

TEST_CASE("header_json_object", "[header_json]") {
    CHECK(header_json_object(R"({"a":1})") == R"({"a":1})");
    CHECK(header_json_object("") == "{}");
    CHECK(header_json_object("[1,\n2]") == "{}");
    CHECK(header_json_object("{\"n\":\"Zo\xc3\xab\"}") == R"({"n":"Zo\u00eb"})");
    CHECK(header_json_object("{\n\"a\" : \"x\x7fy\"\r\n}") == R"({"a":"x\u007fy"})");
    // Bytes that are not UTF-8 are refused by the parser: nothing garbled goes out.
    CHECK(header_json_object("{\"n\":\"\xff\"}") == "{}");
}
