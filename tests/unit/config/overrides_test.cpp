// Environment variables and flags over the file: precedence and messages.
#include "config/schema.hpp"
#include "config_test_support.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <set>

using namespace sessiongate::config;
using sessiongate::config::test::load_yaml;
using sessiongate::config::test::problem_texts;
using Environment = std::map<std::string, std::string>;

TEST_CASE("precedence is flag > environment > file > default", "[config][overrides]") {
    const std::string yaml = "threads: 2\nstore:\n  path: /from/file\n";
    SECTION("file over default") {
        auto result = load_yaml(yaml);
        REQUIRE(result.config);
        CHECK(result.config->threads == 2);
        CHECK(result.config->listen.text() == "127.0.0.1:8080");
    }
    SECTION("environment over file") {
        auto result = load_yaml(yaml, {{"SESSIONGATE_THREADS", "3"}, {"SESSIONGATE_STORE_PATH", "/from/env"}});
        REQUIRE(result.config);
        CHECK(result.config->threads == 3);
        CHECK(result.config->store.path == "/from/env");
    }
    SECTION("flags over environment") {
        auto result = load_yaml(yaml, {{"SESSIONGATE_THREADS", "3"}, {"SESSIONGATE_STORE_PATH", "/from/env"}},
                                {{"threads", "4"}, {"store.path", "/from/flag"}, {"listen", "0.0.0.0:0"}});
        REQUIRE(result.config);
        CHECK(result.config->threads == 4);
        CHECK(result.config->store.path == "/from/flag");
        CHECK(result.config->listen.text() == "0.0.0.0:0");
    }
    SECTION("no file at all") {
        auto result = load_config("", {{"SESSIONGATE_THREADS", "8"}}, {{"upstream", "http://app:3000"}});
        REQUIRE(result.config);
        CHECK(result.config->threads == 8);
        CHECK(result.config->upstream.url() == "http://app:3000");
        CHECK(result.config->source.empty());
    }
}

TEST_CASE("variable names follow the key paths, underscores and all", "[config][overrides]") {
    auto result = load_config("",
                              {{"SESSIONGATE_SESSION_MAX_BYTES", "32KiB"},
                               {"SESSIONGATE_COOKIE_SECURE", "true"},
                               {"SESSIONGATE_COOKIE_EXPIRE_AT_BROWSER_CLOSE", "yes"},
                               {"SESSIONGATE_INJECT", "{member_id: X-Member-Id, plan: X-Plan}"},
                               {"SESSIONGATE_TRUSTED_PROXIES", "[10.0.0.0/8, '::1']"},
                               {"SESSIONGATE_TIMEOUTS_UPSTREAM_CONNECT", "500ms"},
                               {"SESSIONGATE_ROUTES", "[{prefix: /static, sessions: false}]"},
                               {"SESSIONGATE_LOG", "{level: debug, access: false}"},
                               {"PATH", "/usr/bin"}},
                              {});
    INFO(problem_texts(result).size());
    REQUIRE(result.config);
    const Config& config = *result.config;
    CHECK(config.session_max_bytes == 32768);
    CHECK(config.cookie.secure == CookieSecure::Always);
    CHECK(config.cookie.expire_at_browser_close);
    CHECK(config.inject == std::vector<std::pair<std::string, std::string>>{{"member_id", "X-Member-Id"},
                                                                           {"plan", "X-Plan"}});
    CHECK(config.trusted_proxies == std::vector<std::string>{"10.0.0.0/8", "::1"});
    CHECK(config.timeouts.upstream_connect == std::chrono::milliseconds(500));
    REQUIRE(config.routes.size() == 1);
    CHECK_FALSE(config.routes[0].sessions);
    CHECK(config.log.level == LogLevel::Debug);
    CHECK_FALSE(config.log.access);
}

TEST_CASE("problems from the environment and flags name the variable or flag", "[config][overrides]") {
    auto result = load_config("",
                              {{"SESSIONGATE_FOO", "1"},
                               {"SESSIONGATE_THREDS", "2"},
                               {"SESSIONGATE_THREADS", "0"},
                               {"SESSIONGATE_INDEX", "[member_id, member_id]"},
                               {"SESSIONGATE_COOKIE_SAMESITE", "None"},
                               {"SESSIONGATE_INJECT", "{a: b"},
                               {"SESSIONGATE_SECRET_KEYS", "k1,k2"},
                               {"SESSIONGATE_ADMIN_TOKEN", "t"},
                               {"SESSIONGATE_CONFIG", "x.yaml"},
                               {"SESSIONGATE_BIN", "/usr/bin/sessiongate"}},
                              {{"listen", "nowhere"}, {"nope", "1"}});
    CHECK(result.config == nullptr);
    auto texts = problem_texts(result);
    CHECK(texts == std::vector<std::string>{
                       "environment: SESSIONGATE_FOO: unknown setting",
                       "environment: SESSIONGATE_INJECT: not a valid YAML value: end of map flow not found",
                       "environment: SESSIONGATE_THREADS: must be between 1 and 256 (got 0)",
                       "environment: SESSIONGATE_THREDS: unknown setting (did you mean SESSIONGATE_THREADS?)",
                       "flags: --listen: must be host:port with a port 0..65535 (got \"nowhere\")",
                       "flags: --nope: unknown setting",
                                              "environment: SESSIONGATE_INDEX: \"member_id\" is listed twice",
                   });
}

TEST_CASE("secret keys in the environment satisfy the redis store", "[config][overrides]") {
    auto without = load_yaml("store:\n  type: redis\n");
    CHECK(without.problems.size() == 1);
    auto with = load_yaml("store:\n  type: redis\n", {{"SESSIONGATE_SECRET_KEYS", "k1"}});
    CHECK(problem_texts(with).empty());
}

TEST_CASE("a variable replaces a whole list and a section keeps its other keys", "[config][overrides]") {
    auto result = load_yaml("routes:\n  - prefix: /a\n  - prefix: /b\ncookie:\n  name: sid\n  secure: true\n",
                            {{"SESSIONGATE_ROUTES", "[{prefix: /c}]"}, {"SESSIONGATE_COOKIE", "{samesite: None}"}});
    REQUIRE(result.config);
    REQUIRE(result.config->routes.size() == 1);
    CHECK(result.config->routes[0].prefix == "/c");
    CHECK(result.config->cookie.name == "sid");
    CHECK(result.config->cookie.samesite == SameSite::None);
}

TEST_CASE("every setting has its own variable and flag name", "[config][overrides]") {
    std::set<std::string> variables, flags;
    for (const Setting& setting : settings()) {
        if (setting.path.find('[') != std::string_view::npos) continue;
        CHECK(variables.insert(environment_name(setting.path)).second);
        CHECK(flags.insert(flag_name(setting.path)).second);
    }
    CHECK(environment_name("store.path") == "SESSIONGATE_STORE_PATH");
    CHECK(flag_name("store.path") == "--store-path");
}

TEST_CASE("the process environment is read for SESSIONGATE_ variables only", "[config][overrides]") {
    ::setenv("SESSIONGATE_UNIT_TEST_MARKER", "a=b", 1);
    auto environment = sessiongate_environment();
    ::unsetenv("SESSIONGATE_UNIT_TEST_MARKER");
    CHECK(environment.at("SESSIONGATE_UNIT_TEST_MARKER") == "a=b");
    for (const auto& [name, value] : environment) CHECK(name.starts_with("SESSIONGATE_"));
}
