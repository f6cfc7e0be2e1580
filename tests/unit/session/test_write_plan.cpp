#include "session/write_plan.hpp"

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

TEST_CASE("plan_session_write: when there is nothing to write", "[write_plan]") {
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
    SECTION("the store unavailable: nothing saved") {
        CHECK_FALSE(plan(session_in(SessionState::Unavailable), control_of({{"X-Session-Update", R"({"a":2})"}})));
    }
}

TEST_CASE("plan_session_write: an active session", "[write_plan]") {
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

TEST_CASE("plan_session_write: no active session, new data", "[write_plan]") {
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

TEST_CASE("plan_session_write: rolling expiry and the touch interval", "[write_plan]") {
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
}
