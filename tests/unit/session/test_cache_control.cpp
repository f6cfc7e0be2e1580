#include "session/cache_control.hpp"

#include <catch2/catch.hpp>

using namespace sessiongate::session;

TEST_CASE("cache_control_is_private", "[cache_control]") {
    SECTION("private or no-store anywhere in the list") {
        CHECK(cache_control_is_private("private"));
        CHECK(cache_control_is_private("no-store"));
        CHECK(cache_control_is_private("PRIVATE"));
        CHECK(cache_control_is_private("No-Store"));
        CHECK(cache_control_is_private("max-age=0, private"));
        CHECK(cache_control_is_private("public,no-store"));
        CHECK(cache_control_is_private("  private  ,max-age=60"));
        CHECK(cache_control_is_private("no-cache, no-store, must-revalidate"));
    }
    SECTION("private with field names is still private") {
        CHECK(cache_control_is_private("private=\"Set-Cookie\""));
        CHECK(cache_control_is_private("private=\"Set-Cookie, X-Foo\", max-age=60"));
        CHECK(cache_control_is_private("max-age=60, private=\"Set-Cookie, X-Foo\""));
        CHECK(cache_control_is_private("private = \"x\""));
    }
    SECTION("not private") {
        CHECK_FALSE(cache_control_is_private(""));
        CHECK_FALSE(cache_control_is_private("public, max-age=3600"));
        CHECK_FALSE(cache_control_is_private("no-cache"));
        CHECK_FALSE(cache_control_is_private("privately"));
        CHECK_FALSE(cache_control_is_private("no-store-please"));
        CHECK_FALSE(cache_control_is_private("x-private"));
        CHECK_FALSE(cache_control_is_private("max-age=60, s-maxage=10"));
    }
    SECTION("private inside another directive's quoted argument does not count") {
        CHECK_FALSE(cache_control_is_private("no-cache=\"private, no-store\""));
        CHECK_FALSE(cache_control_is_private("ext=\"a\\\", private\", public"));
        CHECK_FALSE(cache_control_is_private("x=private"));
    }
}
