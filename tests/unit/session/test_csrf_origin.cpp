// The origin check of csrf.mode origin and token, with plain values.
#include "session/csrf_origin.hpp"

#include <catch2/catch.hpp>

using namespace sessiongate;
using namespace sessiongate::session;

namespace {

OriginFacts post(std::optional<std::string_view> origin, std::optional<std::string_view> site = std::nullopt,
                 std::string_view host = "app.example", std::string_view scheme = "https") {
    return {"POST", origin, site, scheme, host};
}

bool passes(const OriginFacts& facts, const std::vector<config::WebOrigin>& trusted = {}) {
    return passes_origin_check(facts, trusted);
}

}  // namespace

TEST_CASE("origin check: safe methods always pass", "[csrf]") {
    for (auto method : {"GET", "HEAD", "OPTIONS", "TRACE"}) {
        auto facts = post("https://evil.example", "cross-site");
        facts.method = method;
        CHECK(passes(facts));
    }
    for (auto method : {"POST", "PUT", "PATCH", "DELETE", "get", "PROPFIND"}) {
        auto facts = post("https://evil.example", "cross-site");
        facts.method = method;
        CHECK_FALSE(passes(facts));
    }
}

TEST_CASE("origin check: Origin against the request's own origin", "[csrf]") {
    CHECK(passes(post("https://app.example")));
    CHECK(passes(post("https://app.example:443")));  // the default port, written out
    CHECK(passes(post("https://app.example", std::nullopt, "app.example:443")));
    CHECK(passes(post("http://app.example:8080", std::nullopt, "app.example:8080", "http")));
    CHECK(passes(post("HTTPS://APP.Example")));  // scheme and host compare in any case
    CHECK(passes(post("https://app.example", std::nullopt, "App.EXAMPLE")));
    CHECK(passes(post("http://127.0.0.1:41234", std::nullopt, "127.0.0.1:41234", "http")));
    CHECK(passes(post("http://[::1]:8080", std::nullopt, "[::1]:8080", "http")));

    CHECK_FALSE(passes(post("https://evil.example")));
    CHECK_FALSE(passes(post("https://app.example:8443")));  // another port is another origin
    CHECK_FALSE(passes(post("http://app.example:8080", std::nullopt, "app.example:8081", "http")));
    CHECK_FALSE(passes(post("http://app.example")));  // another scheme
    CHECK_FALSE(passes(post("https://app.example", std::nullopt, "app.example", "http")));
    CHECK_FALSE(passes(post("https://sub.app.example")));  // same site is not same origin
    CHECK_FALSE(passes(post("null")));
    CHECK_FALSE(passes(post("")));
    CHECK_FALSE(passes(post("https://app.example/path")));
    CHECK_FALSE(passes(post("https://app.example:0")));
    CHECK_FALSE(passes(post("https://app.example:99999")));
    CHECK_FALSE(passes(post("ftp://app.example")));
    CHECK_FALSE(passes(post("https://app.example", std::nullopt, "")));  // no Host to compare with
}

TEST_CASE("origin check: IDN hosts compare in their ASCII form", "[csrf]") {
    // Browsers send a Unicode host's xn-- form in both Origin and Host.
    CHECK(passes(post("https://xn--bcher-kva.example", std::nullopt, "xn--bcher-kva.example")));
    CHECK(passes(post("https://XN--BCHER-KVA.example", std::nullopt, "xn--bcher-kva.example")));
    CHECK_FALSE(passes(post("https://xn--bcher-kva.example", std::nullopt, "bucher.example")));
    // Raw UTF-8 is no serialized origin at all.
    CHECK_FALSE(passes(post("https://b\xc3\xbc" "cher.example", std::nullopt, "b\xc3\xbc" "cher.example")));
    // A trusted origin configured in Unicode matches what the browser sends.
    const auto trusted = config::parse_configured_origin("https://b\xc3\xbc" "cher.example");
    REQUIRE(trusted);
    CHECK(trusted->host == "xn--bcher-kva.example");
    CHECK(passes(post("https://xn--bcher-kva.example", "cross-site"), {*trusted}));
}

TEST_CASE("origin check: Sec-Fetch-Site decides when sent", "[csrf]") {
    CHECK(passes(post(std::nullopt, "same-origin")));
    CHECK(passes(post(std::nullopt, "none")));  // typed in, a bookmark
    CHECK(passes(post("https://app.example", "Same-Origin")));
    CHECK_FALSE(passes(post(std::nullopt, "same-site")));
    CHECK_FALSE(passes(post(std::nullopt, "cross-site")));
    CHECK_FALSE(passes(post("https://app.example", "cross-site")));  // the header wins over a matching Origin
    CHECK_FALSE(passes(post(std::nullopt, "")));
}

TEST_CASE("origin check: trusted origins pass whatever Sec-Fetch-Site says", "[csrf]") {
    const std::vector<config::WebOrigin> trusted = {*config::parse_configured_origin("https://shop.example"),
                                                 *config::parse_configured_origin("http://localhost:3000")};
    CHECK(passes(post("https://shop.example", "cross-site"), trusted));
    CHECK(passes(post("https://shop.example:443"), trusted));
    CHECK(passes(post("http://localhost:3000", "same-site"), trusted));
    CHECK_FALSE(passes(post("http://localhost:3001", "same-site"), trusted));
    CHECK_FALSE(passes(post("http://shop.example", "cross-site"), trusted));
    CHECK_FALSE(passes(post("null", "cross-site"), trusted));
}

TEST_CASE("origin check: neither header is a non-browser client", "[csrf]") {
    CHECK(passes(post(std::nullopt)));
}
