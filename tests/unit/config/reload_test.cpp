// plan_reload: what SIGHUP applies and what waits for a restart.
#include "config/reload.hpp"
#include "config/schema.hpp"
#include "config_test_support.hpp"

#include <catch2/catch.hpp>

#include <map>

using namespace sessiongate::config;

namespace {

// A valid value other than the default for each setting that needs a
// restart. A new such setting fails the test below until it is added here
// (and to plan_reload).
const std::map<std::string, std::string> changed_values = {
    {"listen", "127.0.0.1:18080"},
    {"admin", "127.0.0.1:19901"},
    {"threads", "3"},
    {"secret_key_file", "/etc/sessiongate/keys"},
    {"index", "[member_id]"},
    {"admin_token_file", "/run/admin-token"},
    {"store.type", "redis"},
    {"store.path", "/var/lib/sessiongate"},
    {"store.durability", "none"},
    {"store.url", "redis://10.0.0.1:6379/1"},
    {"store.password_file", "/run/redis-password"},
    {"store.key_prefix", "other:"},
    {"store.tls_ca_file", "/etc/redis/ca.pem"},
    {"store.tls_cert_file", "/etc/redis/client.pem"},
    {"store.tls_key_file", "/etc/redis/client.key"},
    {"store.connections", "4"},
    {"store.connect_timeout", "5s"},
    {"store.map_size", "2GiB"},
    {"store.max_map_size", "128GiB"},
    {"store.sweep_interval", "5m"},
    {"store.commit_delay", "2ms"},
    {"store.unavailable", "anonymous"},
};

// The settings as `load_config` builds them from overrides, with no check
// that would refuse a store this build does not have.
Config with(const std::string& key, const std::string& value) {
    Config config;
    Tree tree;
    tree.kind = Tree::Kind::Scalar;
    if (value.starts_with('[')) {
        // "[item]": a one-item list.
        tree.kind = Tree::Kind::List;
        Tree item;
        item.kind = Tree::Kind::Scalar;
        item.scalar = value.substr(1, value.size() - 2);
        tree.items.push_back(item);
    } else {
        tree.scalar = value;
    }
    Target target{config};
    find_setting(key)->apply(target, tree);
    return config;
}

}  // namespace

TEST_CASE("a reload keeps each setting that needs a restart, and names it", "[config][reload]") {
    const Config running;
    for (const Setting& setting : settings()) {
        if (!needs_restart(setting.path)) continue;
        std::string key(setting.path);
        INFO(key);
        auto value = changed_values.find(key);
        REQUIRE(value != changed_values.end());
        Config next = with(key, value->second);
        next.cookie.name = "changed";  // a setting a reload does apply

        Reload reload = plan_reload(running, next);
        CHECK(reload.restart_required == std::vector<std::string>{key});
        REQUIRE(reload.config);
        CHECK(reload.config->store == running.store);
        CHECK(reload.config->listen == running.listen);
        CHECK(reload.config->admin == running.admin);
        CHECK(reload.config->threads == running.threads);
        CHECK(reload.config->secret_key_file == running.secret_key_file);
        CHECK(reload.config->cookie.name == "changed");
    }
}

TEST_CASE("a reload names every such setting at once and applies the rest", "[config][reload]") {
    Config running;
    running.listen = {"127.0.0.1", 8080};
    running.store.path = "/data/a";
    Config next = running;
    next.listen = {"0.0.0.0", 8080};
    next.threads = 4;
    next.store.path = "/data/b";
    next.store.durability = Durability::Os;
    next.header_prefix = "X-Gate";
    next.log.level = LogLevel::Error;
    next.timeouts.drain = std::chrono::seconds(3);

    Reload reload = plan_reload(running, next);
    CHECK(reload.restart_required ==
          std::vector<std::string>{"listen", "threads", "store.path", "store.durability"});
    CHECK(reload.config->listen.host == "127.0.0.1");
    CHECK(reload.config->threads == 1);
    CHECK(reload.config->store.path == "/data/a");
    CHECK(reload.config->store.durability == Durability::Fsync);
    CHECK(reload.config->header_prefix == "X-Gate");
    CHECK(reload.config->log.level == LogLevel::Error);
    CHECK(reload.config->timeouts.drain == std::chrono::seconds(3));
}

TEST_CASE("a reload with nothing fixed changed names nothing", "[config][reload]") {
    Config running;
    Config next = running;
    next.cookie.age = 60;
    next.upstream.port = 3000;
    Reload reload = plan_reload(running, next);
    CHECK(reload.restart_required.empty());
    CHECK(reload.config->cookie.age == 60);
    CHECK(reload.config->upstream.port == 3000);
}

TEST_CASE("only listeners, threads, keys and the store need a restart", "[config][reload]") {
    CHECK(needs_restart("listen"));
    CHECK(needs_restart("store.path"));
    CHECK(needs_restart("secret_key_file"));
    CHECK_FALSE(needs_restart("upstream"));
    CHECK_FALSE(needs_restart("cookie.name"));
    CHECK_FALSE(needs_restart("log.level"));
    CHECK_FALSE(needs_restart("timeouts.drain"));
}
