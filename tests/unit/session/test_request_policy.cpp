#include "session/request_policy.hpp"

#include <catch2/catch.hpp>

using namespace sessiongate;
using namespace sessiongate::session;

TEST_CASE("policy_for applies the longest matching route", "[request_policy]") {
    config::Config config;
    config.cookie.age = 1000;
    config.cookie.name = "sid";
    config.save_every_request = false;
    config.touch_interval = 30;
    config.max_lifetime = 5000;
    config::Route statics;
    statics.prefix = "/static";
    statics.sessions = false;
    config::Route api;
    api.prefix = "/api";
    api.cookie_age = 60;
    api.save_every_request = true;
    config::Route admin;
    admin.prefix = "/api/admin";
    admin.max_lifetime = 900;
    config.routes = {statics, api, admin};

    SECTION("no route: the config") {
        const auto policy = policy_for(config, "/home");
        CHECK(policy.sessions);
        CHECK(policy.cookie.name == "sid");
        CHECK(policy.cookie.age == 1000);
        CHECK(policy.expiry.age == 1000);
        CHECK(policy.expiry.max_lifetime == 5000);
        CHECK_FALSE(policy.save_every_request);
        CHECK(policy.touch_interval == 30);
    }
    SECTION("sessions off") {
        CHECK_FALSE(policy_for(config, "/static/app.js").sessions);
    }
    SECTION("cookie age and save_every_request") {
        const auto policy = policy_for(config, "/api/items");
        CHECK(policy.sessions);
        CHECK(policy.cookie.age == 60);
        CHECK(policy.expiry.age == 60);
        CHECK(policy.save_every_request);
        CHECK(policy.expiry.max_lifetime == 5000);
    }
    SECTION("the longest prefix wins, unset fields fall back to the config") {
        const auto policy = policy_for(config, "/api/admin/users");
        CHECK(policy.expiry.max_lifetime == 900);
        CHECK(policy.cookie.age == 1000);
        CHECK_FALSE(policy.save_every_request);
    }
}
