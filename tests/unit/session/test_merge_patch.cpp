#include "session/merge_patch.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <catch2/catch.hpp>

using namespace sessiongate::session;

namespace {

boost::json::object object_of(std::string_view text) {
    return boost::json::parse(text).as_object();
}

/// Applies `patch` to `target` and returns the result as a value, so it
/// compares by content (member order aside).
boost::json::value patched(std::string_view target, std::string_view patch) {
    auto document = object_of(target);
    apply_merge_patch(document, object_of(patch));
    return document;
}

}  // namespace

// RFC 7386 appendix A. Cases whose target or patch is not an object are
// wrapped in {"x": ...}, which exercises the same rule one level down.
TEST_CASE("RFC 7386 appendix A examples", "[merge_patch]") {
    struct Example {
        const char* target;
        const char* patch;
        const char* result;
    };
    const Example examples[] = {
        {R"({"a":"b"})", R"({"a":"c"})", R"({"a":"c"})"},
        {R"({"a":"b"})", R"({"b":"c"})", R"({"a":"b","b":"c"})"},
        {R"({"a":"b"})", R"({"a":null})", R"({})"},
        {R"({"a":"b","b":"c"})", R"({"a":null})", R"({"b":"c"})"},
        {R"({"a":["b"]})", R"({"a":"c"})", R"({"a":"c"})"},
        {R"({"a":"c"})", R"({"a":["b"]})", R"({"a":["b"]})"},
        {R"({"a":{"b":"c"}})", R"({"a":{"b":"d","c":null}})", R"({"a":{"b":"d"}})"},
        {R"({"a":[{"b":"c"}]})", R"({"a":[1]})", R"({"a":[1]})"},
        {R"({"x":["a","b"]})", R"({"x":["c","d"]})", R"({"x":["c","d"]})"},
        {R"({"x":{"a":"b"}})", R"({"x":["c"]})", R"({"x":["c"]})"},
        {R"({"x":{"a":"foo"}})", R"({"x":null})", R"({})"},
        {R"({"x":{"a":"foo"}})", R"({"x":"bar"})", R"({"x":"bar"})"},
        {R"({"e":null})", R"({"a":1})", R"({"e":null,"a":1})"},
        {R"({"x":[1,2]})", R"({"x":{"a":"b","c":null}})", R"({"x":{"a":"b"}})"},
        {R"({})", R"({"a":{"bb":{"ccc":null}}})", R"({"a":{"bb":{}}})"},
    };
    for (const auto& example : examples) {
        INFO(example.target << " + " << example.patch);
        CHECK(patched(example.target, example.patch) == boost::json::parse(example.result));
    }
}

TEST_CASE("merge patch details", "[merge_patch]") {
    SECTION("the RFC's section 3 example") {
        CHECK(patched(R"({"title":"Goodbye!","author":{"givenName":"John","familyName":"Doe"},
                         "tags":["example","sample"],"content":"This will be unchanged"})",
                      R"({"title":"Hello!","phoneNumber":"+01-123-456-7890",
                         "author":{"familyName":null},"tags":["example"]})") ==
              boost::json::parse(R"({"title":"Hello!","author":{"givenName":"John"},"tags":["example"],
                                    "content":"This will be unchanged","phoneNumber":"+01-123-456-7890"})"));
    }
    SECTION("deleting a key that is not there changes nothing") {
        CHECK(patched(R"({"a":1})", R"({"b":null})") == boost::json::parse(R"({"a":1})"));
    }
    SECTION("an empty patch changes nothing") {
        CHECK(patched(R"({"a":{"b":1}})", R"({})") == boost::json::parse(R"({"a":{"b":1}})"));
    }
    SECTION("a scalar member becomes an object when the patch holds one") {
        CHECK(patched(R"({"a":5})", R"({"a":{"b":1,"c":null}})") == boost::json::parse(R"({"a":{"b":1}})"));
    }
    SECTION("null inside an array is a value, not a deletion") {
        CHECK(patched(R"({})", R"({"a":[null,1]})") == boost::json::parse(R"({"a":[null,1]})"));
    }
    SECTION("the Django visit counter") {
        auto session = object_of(R"({"num_visits":2,"my_car":"mini"})");
        apply_merge_patch(session, object_of(R"({"num_visits":3})"));
        apply_merge_patch(session, object_of(R"({"my_car":null})"));
        CHECK(boost::json::value(session) == boost::json::parse(R"({"num_visits":3})"));
    }
}
