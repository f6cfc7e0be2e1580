// Good configurations and the values they produce.
#include "config/validate.hpp"
#include "config_test_support.hpp"

#include <catch2/catch.hpp>

using namespace sessiongate::config;
using namespace std::chrono_literals;
using sessiongate::config::test::load_yaml;
using sessiongate::config::test::problem_texts;

TEST_CASE("an empty file gives the defaults", "[config][good]") {
    auto result = load_yaml("");
    REQUIRE(result.config);
    const Config& config = *result.config;
    CHECK(config.listen.text() == "127.0.0.1:8080");
    CHECK(config.upstream.url() == "http://127.0.0.1:8000");
    CHECK(config.admin.text() == "127.0.0.1:9901");
    CHECK(config.cookie.name == "sessionid");
    CHECK(config.cookie.samesite == SameSite::Lax);
    CHECK(config.session_max_bytes == 16384);
    CHECK(config.limits.max_response_header_bytes == 64 * 1024);
    CHECK(config.source.find("sessiongate.yaml") != std::string::npos);
    CHECK(config.csrf.mode == CsrfMode::Off);
    CHECK(config.csrf.trusted_origins.empty());
    CHECK(config.csrf.max_form_bytes == 1024 * 1024);
}

TEST_CASE("every setting is read from the file", "[config][good]") {
    auto result = load_yaml(R"(# comments are fine
listen: 0.0.0.0:0
upstream: http://app.internal:3000/
admin: "[::1]:9902"
threads: 4
header_prefix: X-Sess
secret_key_file: /run/secrets/keys
strict_control: true
store:
  type: lmdb
  path: /var/lib/sessiongate
  durability: os
  url: rediss://cache:6380/1
  map_size: 256MiB
  max_map_size: 8GiB
  sweep_interval: 5m
  commit_delay: 2ms
cookie:
  name: __Host-sid
  age: 14d
  domain: null
  path: /
  secure: true
  httponly: false
  samesite: none
  expire_at_browser_close: true
save_every_request: true
touch_interval: 0
max_lifetime: 86400
session_max_bytes: 1MiB
inject:
  member_id: X-Member-Id
  roles: X-Roles
tls:
  cert_file: ~
upstream_tls:
  verify: false
index: []
trusted_proxies: [10.0.0.0/8, 192.168.1.1, "fd00::/8"]
strip_session_cookie: false
preserve_host: false
limits:
  max_request_header_bytes: 16KiB
  max_request_body_bytes: 1GiB
  max_response_header_bytes: 32KiB
timeouts:
  request_header: 2.5
  request_body: 30s
  keepalive: 2m
  upstream_connect: 250ms
  upstream_response: 1h
  upstream_idle: 45
  drain: 3s
upstream_pool:
  max_idle_per_thread: 0
  idle_timeout: 10s
routes:
  - prefix: /static/
    sessions: false
  - prefix: /account
    cookie_age: 1h
    save_every_request: false
    max_lifetime: 0
    csrf: off
csrf:
  mode: token
  trusted_origins: [HTTPS://Shop.Example, "http://bücher.example:3000/"]
  max_form_bytes: 64KiB
  login_key: user_id
log:
  level: WARN
  access: false
)");
    INFO(problem_texts(result).size());
    REQUIRE(result.config);
    const Config& c = *result.config;
    CHECK(c.listen.host == "0.0.0.0");
    CHECK(c.listen.port == 0);
    CHECK(c.upstream.url() == "http://app.internal:3000");
    CHECK(c.admin.text() == "[::1]:9902");
    CHECK(c.threads == 4);
    CHECK(c.header_prefix == "X-Sess");
    CHECK(c.secret_key_file == "/run/secrets/keys");
    CHECK(c.strict_control);
    CHECK(c.store.path == "/var/lib/sessiongate");
    CHECK(c.store.durability == Durability::Os);
    CHECK(c.store.url == "rediss://cache:6380/1");
    CHECK(c.store.map_size == 256ull << 20);
    CHECK(c.store.max_map_size == 8ull << 30);
    CHECK(c.store.sweep_interval == Duration(5min));
    CHECK(c.store.commit_delay == Duration(2ms));
    CHECK(c.cookie.name == "__Host-sid");
    CHECK(c.cookie.age == 14 * 86400);
    CHECK_FALSE(c.cookie.domain);
    CHECK_FALSE(c.cookie.httponly);
    CHECK(c.cookie.samesite == SameSite::None);
    CHECK(c.cookie.expire_at_browser_close);
    CHECK(c.save_every_request);
    CHECK(c.touch_interval == 0);
    CHECK(c.max_lifetime == 86400);
    CHECK(c.session_max_bytes == 1u << 20);
    CHECK(c.inject == std::vector<std::pair<std::string, std::string>>{{"member_id", "X-Member-Id"},
                                                                      {"roles", "X-Roles"}});
    CHECK_FALSE(c.tls.cert_file);
    CHECK_FALSE(c.upstream_tls.verify);
    CHECK(c.trusted_proxies.size() == 3);
    CHECK_FALSE(c.strip_session_cookie);
    CHECK_FALSE(c.preserve_host);
    CHECK(c.limits.max_request_header_bytes == 16384);
    CHECK(c.limits.max_request_body_bytes == 1ull << 30);
    // Raised so a 1MiB session fits: 2 * 1MiB + 16KiB.
    CHECK(c.limits.max_response_header_bytes == (2u << 20) + 16384);
    CHECK(c.timeouts.request_header == Duration(2500ms));
    CHECK(c.timeouts.request_body == Duration(30s));
    CHECK(c.timeouts.keepalive == Duration(2min));
    CHECK(c.timeouts.upstream_connect == Duration(250ms));
    CHECK(c.timeouts.upstream_response == Duration(1h));
    CHECK(c.timeouts.upstream_idle == Duration(45s));
    CHECK(c.timeouts.drain == Duration(3s));
    CHECK(c.upstream_pool.max_idle_per_thread == 0);
    CHECK(c.upstream_pool.idle_timeout == Duration(10s));
    REQUIRE(c.routes.size() == 2);
    CHECK(c.routes[0].prefix == "/static/");
    CHECK_FALSE(c.routes[0].sessions);
    CHECK_FALSE(c.routes[0].cookie_age);
    CHECK(c.routes[1].cookie_age == 3600);
    CHECK(c.routes[1].save_every_request == false);
    CHECK(c.routes[1].max_lifetime == 0);
    CHECK_FALSE(c.routes[0].csrf);
    CHECK(c.routes[1].csrf == CsrfMode::Off);
    CHECK(c.csrf.mode == CsrfMode::Token);
    REQUIRE(c.csrf.trusted_origins.size() == 2);
    CHECK(c.csrf.trusted_origins[0].text() == "https://shop.example:443");
    CHECK(c.csrf.trusted_origins[1].text() == "http://xn--bcher-kva.example:3000");
    CHECK(c.csrf.max_form_bytes == 64 * 1024);
    CHECK(c.csrf.login_key == "user_id");
    CHECK(c.log.level == LogLevel::Warn);
    CHECK_FALSE(c.log.access);
}

TEST_CASE("the response head limit grows to fit the session", "[config][good]") {
    auto small = load_yaml("session_max_bytes: 4KiB\nlimits:\n  max_response_header_bytes: 8KiB\n");
    REQUIRE(small.config);
    CHECK(small.config->limits.max_response_header_bytes == 2 * 4096 + 16384);
    auto large = load_yaml("session_max_bytes: 4KiB\nlimits:\n  max_response_header_bytes: 1MiB\n");
    REQUIRE(large.config);
    CHECK(large.config->limits.max_response_header_bytes == 1u << 20);
}

TEST_CASE("route_for picks the longest matching prefix", "[config][good]") {
    auto result = load_yaml(
        "routes:\n  - {prefix: /, sessions: true}\n  - {prefix: /static, sessions: false}\n"
        "  - {prefix: /static/app, cookie_age: 60}\n  - {prefix: /api}\n");
    REQUIRE(result.config);
    const Config& config = *result.config;
    CHECK(config.route_for("/static/app/main.js")->prefix == "/static/app");
    CHECK(config.route_for("/static/logo.png")->prefix == "/static");
    CHECK(config.route_for("/api/users")->prefix == "/api");
    CHECK(config.route_for("/account")->prefix == "/");

    Config no_routes;
    CHECK(no_routes.route_for("/anything") == nullptr);
}

TEST_CASE("listen and admin may share a host, or port 0, but not a socket", "[config][good]") {
    for (const char* yaml : {"listen: 127.0.0.1:0\nadmin: 127.0.0.1:0\n", "listen: 127.0.0.1:8080\nadmin: 127.0.0.2:8080\n",
                             "listen: 0.0.0.0:8080\nadmin: 0.0.0.0:9901\n", "listen: \"[::1]:8080\"\nadmin: 127.0.0.1:8080\n"}) {
        INFO(yaml);
        CHECK(problem_texts(load_yaml(yaml)) == std::vector<std::string>{});
    }
}
