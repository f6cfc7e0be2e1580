#include "session/session_filter.hpp"

#include <boost/json/parse.hpp>

#include <catch2/catch.hpp>

using namespace sessiongate;
using namespace sessiongate::session;

namespace {

const std::string cookie_id = std::string(42, 'c') + "A";
constexpr std::int64_t now = 1700000000;

RequestSession active_session(std::int64_t modified = now - 10) {
    RequestSession session;
    session.state = SessionState::Active;
    session.cookie_value = cookie_id;
    session.record.handle = std::string("h");
    session.record.data_json = R"({"a":1})";
    session.record.created = now - 100;
    session.record.modified = modified;
    session.record.expires = modified + 1209600;
    return session;
}

RequestSession session_in(SessionState state) {
    RequestSession session;
    session.state = state;
    return session;
}

ControlHeaders control_of(std::vector<std::pair<std::string_view, std::string_view>> headers) {
    return parse_control_headers("X-Session", headers);
}

std::optional<SessionWrite> plan(const RequestSession& session,
                                 const ControlHeaders& control,
                                 unsigned status = 200,
                                 RequestPolicy policy = {}) {
    return plan_session_write(policy, session, control, status, now, 16384);
}

}  // namespace

TEST_CASE("policy_for applies the longest matching route", "[session_filter]") {
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

TEST_CASE("resolve_request_session", "[session_filter]") {
    CookieLookup absent;
    CookieLookup malformed{CookieLookup::Kind::Malformed, {}};
    CookieLookup well_formed{CookieLookup::Kind::WellFormed, cookie_id};

    CHECK(resolve_request_session(absent, nullptr).state == SessionState::None);
    CHECK(resolve_request_session(malformed, nullptr).state == SessionState::Invalid);
    CHECK(resolve_request_session(well_formed, nullptr).state == SessionState::Invalid);

    LoadResult loaded;
    loaded.status = LoadStatus::Found;
    loaded.record.handle = "h";
    loaded.record.data_json = R"({"x":1})";
    const auto active = resolve_request_session(well_formed, &loaded);
    CHECK(active.state == SessionState::Active);
    CHECK(active.cookie_value == cookie_id);
    CHECK(active.record.handle == "h");
    CHECK(active.record.data_json == R"({"x":1})");

    for (const auto& [status, state] : {std::pair{LoadStatus::Expired, SessionState::Expired},
                                       std::pair{LoadStatus::NotFound, SessionState::Invalid},
                                       std::pair{LoadStatus::Error, SessionState::Invalid}}) {
        loaded.status = status;
        const auto session = resolve_request_session(well_formed, &loaded);
        CHECK(session.state == state);
        CHECK(session.cookie_value.empty());  // never adopted
        CHECK(session.record.handle.empty());
    }
}

TEST_CASE("plan_session_write: when there is nothing to write", "[session_filter]") {
    SECTION("no control headers") {
        CHECK_FALSE(plan(active_session(), {}));
        CHECK_FALSE(plan(session_in(SessionState::None), {}));
    }
    SECTION("a 5xx response writes nothing") {
        const auto control = control_of({{"X-Session-Update", R"({"a":2})"}, {"X-Session-Action", "flush"}});
        CHECK(plan(active_session(), control, 200));
        CHECK(plan(active_session(), control, 499));
        CHECK_FALSE(plan(active_session(), control, 500));
        CHECK_FALSE(plan(active_session(), control, 503));
    }
    SECTION("sessions off on the route") {
        RequestPolicy off;
        off.sessions = false;
        CHECK_FALSE(plan(active_session(), control_of({{"X-Session-Update", R"({"a":2})"}}), 200, off));
    }
    SECTION("lazy: no session and only an expiry, empty patches or deletions") {
        const auto none = session_in(SessionState::None);
        CHECK_FALSE(plan(none, control_of({{"X-Session-Expiry", "300"}})));
        CHECK_FALSE(plan(none, control_of({{"X-Session-Update", "{}"}})));
        CHECK_FALSE(plan(none, control_of({{"X-Session-Update", R"({"a":null})"}})));
        CHECK_FALSE(plan(none, control_of({{"X-Session-Update", R"({"a":1})"}, {"X-Session-Update", R"({"a":null})"}})));
        CHECK_FALSE(plan(none, control_of({{"X-Session-Action", "flush"}})));
        CHECK_FALSE(plan(none, control_of({{"X-Session-Action", "cycle"}})));
        CHECK_FALSE(plan(none, control_of({{"X-Session-Action", "clear"}})));
    }
    SECTION("an active session and only empty patches") {
        CHECK_FALSE(plan(active_session(), control_of({{"X-Session-Update", "{}"}})));
    }
    SECTION("a malformed set is ignored whole") {
        const auto control = control_of({{"X-Session-Update", R"({"a":2})"}, {"X-Session-Action", "explode"}});
        REQUIRE_FALSE(control.errors.empty());
        CHECK_FALSE(plan(active_session(), control));
    }
}

TEST_CASE("plan_session_write: an active session", "[session_filter]") {
    RequestPolicy policy;
    policy.expiry.age = 600;
    policy.expiry.max_lifetime = 7200;

    SECTION("updates go to the current session, in order") {
        const auto control = control_of({{"X-Session-Update", R"({"a":2})"}, {"X-Session-Update", R"({"b":3})"}});
        const auto write = plan_session_write(policy, active_session(), control, 200, now, 4096);
        REQUIRE(write);
        CHECK(write->current == cookie_id);
        CHECK(write->action == SessionAction::None);
        REQUIRE(write->patches.size() == 2);
        CHECK(boost::json::value(write->patches[0]) == boost::json::parse(R"({"a":2})"));
        CHECK(boost::json::value(write->patches[1]) == boost::json::parse(R"({"b":3})"));
        CHECK_FALSE(write->expiry);
        CHECK_FALSE(write->touch);
        CHECK(write->now == now);
        CHECK(write->policy.age == 600);
        CHECK(write->policy.max_lifetime == 7200);
        CHECK(write->max_bytes == 4096);
        CHECK(write->fresh_id.empty());  // the caller fills it in
    }
    SECTION("a deletion is a change") {
        CHECK(plan(active_session(), control_of({{"X-Session-Update", R"({"a":null})"}})));
    }
    SECTION("each action alone is a write") {
        for (const auto& [text, action] : {std::pair{"flush", SessionAction::Flush},
                                           std::pair{"cycle", SessionAction::Cycle},
                                           std::pair{"clear", SessionAction::Clear}}) {
            const auto write = plan(active_session(), control_of({{"X-Session-Action", text}}));
            REQUIRE(write);
            CHECK(write->action == action);
            CHECK(write->current == cookie_id);
            CHECK(write->patches.empty());
        }
    }
    SECTION("action, patches and expiry travel together for the store to apply in that order") {
        const auto write = plan(active_session(), control_of({{"X-Session-Expiry", "0"},
                                                              {"X-Session-Update", R"({"user":7})"},
                                                              {"X-Session-Action", "flush"}}));
        REQUIRE(write);
        CHECK(write->action == SessionAction::Flush);
        REQUIRE(write->patches.size() == 1);
        REQUIRE(write->expiry);
        CHECK(write->expiry->kind == ExpirySetting::Kind::BrowserSession);
    }
    SECTION("clear with updates: both go to the store, which empties then patches under the same id") {
        const auto write = plan(active_session(), control_of({{"X-Session-Update", R"({"fresh":true})"},
                                                              {"X-Session-Action", "clear"}}));
        REQUIRE(write);
        CHECK(write->action == SessionAction::Clear);
        CHECK(write->current == cookie_id);
        REQUIRE(write->patches.size() == 1);
        CHECK(boost::json::value(write->patches[0]) == boost::json::parse(R"({"fresh":true})"));
    }
    SECTION("an expiry alone is a change (set_expiry)") {
        const auto write = plan(active_session(), control_of({{"X-Session-Expiry", "default"}}));
        REQUIRE(write);
        REQUIRE(write->expiry);
        CHECK(write->expiry->kind == ExpirySetting::Kind::Default);
    }
}

TEST_CASE("plan_session_write: no active session, new data", "[session_filter]") {
    const auto states = {SessionState::None, SessionState::Expired, SessionState::Invalid};
    SECTION("a new session under a fresh id, the old cookie never adopted") {
        for (const auto state : states) {
            INFO(to_string(state));
            const auto write = plan(session_in(state), control_of({{"X-Session-Update", R"({"num_visits":1})"},
                                                                   {"X-Session-Expiry", "300"}}));
            REQUIRE(write);
            CHECK(write->current.empty());
            CHECK(write->action == SessionAction::None);
            CHECK(write->patches.size() == 1);
            REQUIRE(write->expiry);
            CHECK(write->expiry->seconds == 300);
        }
    }
    SECTION("flush then update starts a fresh session holding the update") {
        for (const auto state : states) {
            INFO(to_string(state));
            const auto write = plan(session_in(state), control_of({{"X-Session-Action", "flush"},
                                                                   {"X-Session-Update", R"({"user":1})"}}));
            REQUIRE(write);
            CHECK(write->current.empty());
            CHECK(write->action == SessionAction::None);
            CHECK(write->patches.size() == 1);
        }
    }
    SECTION("a session whose cookie is an unknown id still gets a fresh one") {
        auto session = session_in(SessionState::Invalid);
        session.cookie_value = cookie_id;  // even if a caller left it there
        const auto write = plan(session, control_of({{"X-Session-Update", R"({"a":1})"}}));
        REQUIRE(write);
        CHECK(write->current.empty());
    }
}

TEST_CASE("plan_session_write: rolling expiry and the touch interval", "[session_filter]") {
    RequestPolicy rolling;
    rolling.save_every_request = true;
    rolling.touch_interval = 60;

    SECTION("no touch before the interval has passed") {
        CHECK_FALSE(plan(active_session(now - 59), {}, 200, rolling));
    }
    SECTION("touch once it has") {
        for (const std::int64_t age : {60, 61, 100000}) {
            const auto write = plan(active_session(now - age), {}, 200, rolling);
            REQUIRE(write);
            CHECK(write->touch);
            CHECK(write->current == cookie_id);
            CHECK(write->patches.empty());
        }
    }
    SECTION("touch_interval 0 touches every request") {
        rolling.touch_interval = 0;
        const auto write = plan(active_session(now), {}, 200, rolling);
        REQUIRE(write);
        CHECK(write->touch);
    }
    SECTION("a change before the interval is saved, without touch") {
        const auto write = plan(active_session(now - 5), control_of({{"X-Session-Update", R"({"a":2})"}}), 200, rolling);
        REQUIRE(write);
        CHECK_FALSE(write->touch);
    }
    SECTION("without save_every_request no touch") {
        CHECK_FALSE(plan(active_session(now - 100000), {}));
    }
    SECTION("no touch without an active session (lazy)") {
        rolling.touch_interval = 0;
        CHECK_FALSE(plan(session_in(SessionState::None), {}, 200, rolling));
        CHECK_FALSE(plan(session_in(SessionState::Expired), {}, 200, rolling));
    }
    SECTION("no touch on a 5xx") {
        CHECK_FALSE(plan(active_session(now - 100000), {}, 502, rolling));
    }
    SECTION("a malformed set still touches") {
        const auto write = plan(active_session(now - 100), control_of({{"X-Session-Action", "bogus"}}), 200, rolling);
        REQUIRE(write);
        CHECK(write->touch);
        CHECK(write->action == SessionAction::None);
    }
}

TEST_CASE("response_cookies", "[session_filter]") {
    RequestPolicy policy;
    const std::string new_id = std::string(42, 'n') + "A";
    WriteResult saved;
    saved.outcome = WriteOutcome::Saved;
    saved.cookie_value = new_id;
    saved.record.expires = now + 1209600;

    SECTION("saved: the cookie with Max-Age left to the record's expiry") {
        const auto cookies = response_cookies(policy, session_in(SessionState::None), saved, now);
        REQUIRE(cookies.size() == 1);
        CHECK_THAT(cookies[0], Catch::StartsWith("sessionid=" + new_id + "; expires="));
        CHECK_THAT(cookies[0], Catch::Contains("; Max-Age=1209600;"));
    }
    SECTION("Max-Age follows the record, clamped at 0") {
        saved.record.expires = now + 300;
        CHECK_THAT(response_cookies(policy, active_session(), saved, now)[0], Catch::Contains("; Max-Age=300;"));
        saved.record.expires = now - 5;
        CHECK_THAT(response_cookies(policy, active_session(), saved, now)[0], Catch::Contains("; Max-Age=0;"));
    }
    SECTION("a touch with the same id re-sends the cookie (rolling)") {
        saved.cookie_value = cookie_id;
        const auto cookies = response_cookies(policy, active_session(), saved, now);
        REQUIRE(cookies.size() == 1);
        CHECK_THAT(cookies[0], Catch::StartsWith("sessionid=" + cookie_id + ";"));
    }
    SECTION("browser-session cookies: expiry 0, or expire_at_browser_close with no explicit expiry") {
        saved.record.expiry_seconds = 0;
        auto cookies = response_cookies(policy, active_session(), saved, now);
        REQUIRE(cookies.size() == 1);
        CHECK(cookies[0] == "sessionid=" + new_id + "; HttpOnly; Path=/; SameSite=Lax");

        policy.cookie.expire_at_browser_close = true;
        saved.record.expiry_seconds.reset();
        cookies = response_cookies(policy, active_session(), saved, now);
        CHECK(cookies[0] == "sessionid=" + new_id + "; HttpOnly; Path=/; SameSite=Lax");

        saved.record.expiry_seconds = 300;  // an explicit expiry wins over the setting
        saved.record.expires = now + 300;
        cookies = response_cookies(policy, active_session(), saved, now);
        CHECK_THAT(cookies[0], Catch::Contains("; Max-Age=300;"));
    }
    SECTION("deleted: Django's deletion cookie") {
        WriteResult deleted;
        deleted.outcome = WriteOutcome::Deleted;
        const auto cookies = response_cookies(policy, active_session(), deleted, now);
        REQUIRE(cookies.size() == 1);
        CHECK(cookies[0] == format_deletion_cookie(policy.cookie));
        CHECK_THAT(cookies[0], Catch::Contains("Max-Age=0") && Catch::Contains("01 Jan 1970"));
    }
    SECTION("stale cookies are left alone") {
        WriteResult deleted;
        deleted.outcome = WriteOutcome::Deleted;
        CHECK(response_cookies(policy, session_in(SessionState::Expired), deleted, now).empty());
        CHECK(response_cookies(policy, session_in(SessionState::Invalid), deleted, now).empty());
        WriteResult unchanged;
        CHECK(response_cookies(policy, session_in(SessionState::Invalid), unchanged, now).empty());
    }
    SECTION("no cookie for the other outcomes") {
        for (const auto outcome : {WriteOutcome::Unchanged, WriteOutcome::Gone, WriteOutcome::TooLarge,
                                   WriteOutcome::Full, WriteOutcome::Error}) {
            WriteResult result;
            result.outcome = outcome;
            result.cookie_value = cookie_id;  // whatever a store left there
            CHECK(response_cookies(policy, active_session(), result, now).empty());
        }
    }
    SECTION("sessions off: nothing") {
        policy.sessions = false;
        CHECK(response_cookies(policy, active_session(), saved, now).empty());
    }
}
