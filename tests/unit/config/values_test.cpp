// Scalar parsing: sizes, durations, addresses, names, suggestions.
#include "config/did_you_mean.hpp"
#include "config/values.hpp"

#include <catch2/catch.hpp>

using namespace sessiongate::config;
using namespace std::chrono_literals;

TEST_CASE("sizes are bytes or binary units", "[config][values]") {
    CHECK(parse_size("16384") == 16384u);
    CHECK(parse_size("16KiB") == 16384u);
    CHECK(parse_size("1 MiB") == 1048576u);
    CHECK(parse_size("1GiB") == (1ull << 30));
    CHECK(parse_size("2TiB") == (2ull << 40));
    CHECK(parse_size("10B") == 10u);
    CHECK_FALSE(parse_size("16KB"));
    CHECK_FALSE(parse_size("1.5MiB"));
    CHECK_FALSE(parse_size("-1"));
    CHECK_FALSE(parse_size("MiB"));
    CHECK_FALSE(parse_size("99999999999TiB"));
    CHECK(size_text(16384) == "16KiB");
    CHECK(size_text(1000) == "1000");
    CHECK(size_text(64ull << 30) == "64GiB");
}

TEST_CASE("durations are seconds or a number with a unit", "[config][values]") {
    CHECK(parse_duration("10") == Duration(10s));
    CHECK(parse_duration("0.5") == Duration(500ms));
    CHECK(parse_duration("500ms") == Duration(500ms));
    CHECK(parse_duration("10s") == Duration(10s));
    CHECK(parse_duration("2m") == Duration(2min));
    CHECK(parse_duration("1.5h") == Duration(90min));
    CHECK(parse_duration("14d") == Duration(336h));
    CHECK(parse_duration("0") == Duration(0));
    CHECK_FALSE(parse_duration("-1"));
    CHECK_FALSE(parse_duration("10 minutes"));
    CHECK_FALSE(parse_duration("1.2.3s"));
    CHECK_FALSE(parse_duration(".5"));
    CHECK_FALSE(parse_duration(""));
}

TEST_CASE("integers and booleans", "[config][values]") {
    CHECK(parse_integer("42") == 42);
    CHECK(parse_integer("-7") == -7);
    CHECK_FALSE(parse_integer("4x"));
    CHECK_FALSE(parse_integer("1e3"));
    CHECK(parse_bool("true") == true);
    CHECK(parse_bool("False") == false);
    CHECK(parse_bool("yes") == true);
    CHECK(parse_bool("off") == false);
    CHECK_FALSE(parse_bool("1"));
}

TEST_CASE("listen addresses are host:port", "[config][values]") {
    auto v4 = parse_endpoint("0.0.0.0:8080");
    REQUIRE(v4);
    CHECK(v4->host == "0.0.0.0");
    CHECK(v4->port == 8080);
    auto v6 = parse_endpoint("[::1]:0");
    REQUIRE(v6);
    CHECK(v6->host == "::1");
    CHECK(v6->text() == "[::1]:0");
    CHECK(parse_endpoint("localhost:9901")->host == "localhost");
    CHECK_FALSE(parse_endpoint("8080"));
    CHECK_FALSE(parse_endpoint(":8080"));
    CHECK_FALSE(parse_endpoint("host:"));
    CHECK_FALSE(parse_endpoint("host:65536"));
    CHECK_FALSE(parse_endpoint("::1:80"));
    CHECK_FALSE(parse_endpoint("[nope]:80"));
    CHECK_FALSE(parse_endpoint("a b:80"));
}

TEST_CASE("upstreams are http or https URLs without a path", "[config][values]") {
    auto plain = parse_upstream("http://127.0.0.1:8000");
    REQUIRE(plain);
    CHECK(plain->url() == "http://127.0.0.1:8000");
    CHECK(parse_upstream("http://app")->port == 80);
    CHECK(parse_upstream("https://app")->port == 443);
    CHECK(parse_upstream("https://app/")->scheme == "https");
    CHECK(parse_upstream("http://[::1]:3000")->host == "::1");
    CHECK_FALSE(parse_upstream("app:8000"));
    CHECK_FALSE(parse_upstream("http://"));
    CHECK_FALSE(parse_upstream("http://app:"));
    CHECK_FALSE(parse_upstream("http://app:0"));
    CHECK_FALSE(parse_upstream("http://app/api"));
    CHECK_FALSE(parse_upstream("http://app?x=1"));
    CHECK_FALSE(parse_upstream("http://user@app"));
    CHECK_FALSE(parse_upstream("ws://app"));
}

TEST_CASE("tokens and addresses", "[config][values]") {
    CHECK(is_token("X-Session"));
    CHECK(is_token("__Host-sid"));
    CHECK_FALSE(is_token(""));
    CHECK_FALSE(is_token("X Session"));
    CHECK_FALSE(is_token("a:b"));
    CHECK(is_ip_or_cidr("10.0.0.1"));
    CHECK(is_ip_or_cidr("10.0.0.0/8"));
    CHECK(is_ip_or_cidr("fd00::/8"));
    CHECK(is_ip_or_cidr("::1"));
    CHECK_FALSE(is_ip_or_cidr("10.0.0.0/33"));
    CHECK_FALSE(is_ip_or_cidr("10.0.0.0/"));
    CHECK_FALSE(is_ip_or_cidr("10.0.0.0/-1"));
    CHECK_FALSE(is_ip_or_cidr("example.com"));
}

TEST_CASE("did-you-mean picks the nearest name when it is near", "[config][values]") {
    std::vector<std::string> names = {"listen", "upstream", "threads", "cookie", "store"};
    CHECK(closest("lisen", names) == "listen");
    CHECK(closest("Threads", names) == "threads");
    CHECK(closest("upstreams", names) == "upstream");
    CHECK_FALSE(closest("frobnicate", names));
    CHECK_FALSE(closest("xyz", names));
    CHECK(edit_distance("max-lifetime", "max_lifetime") == 0);
    CHECK(edit_distance("kitten", "sitting") == 3);
}

TEST_CASE("did-you-mean counts two swapped letters as one edit", "[config][values]") {
    CHECK(edit_distance("nmae", "name") == 1);
    CHECK(edit_distance("ca", "ac") == 1);
    CHECK(edit_distance("secuer", "secure") == 1);
    // Optimal string alignment: a swapped pair is not edited again.
    CHECK(edit_distance("ca", "abc") == 3);
    CHECK(closest("nmae", {"name", "age", "path", "domain", "secure"}) == "name");
    CHECK(closest("smaesite", {"name", "samesite", "secure"}) == "samesite");
}

TEST_CASE("cookie domains are host names", "[config][values]") {
    for (const char* good : {"example.com", ".example.com", "Example.COM", "localhost", "a-b.example", "127.0.0.1"}) {
        INFO(good);
        CHECK(is_cookie_domain(good));
    }
    for (const char* bad : {"https://example.com", "example.com:443", "example.com/", "exa mple.com", "..example.com",
                            "example.com.", "example..com", ".", "", "-example.com-", "exa;mple.com"}) {
        INFO(bad);
        CHECK_FALSE(is_cookie_domain(bad));
    }
}
