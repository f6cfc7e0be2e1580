// The session step through its four moments, with plain values: what each
// head, load and write leads to.
#include "session/session_step.hpp"

#include "session/cookie_header.hpp"
#include "session/session_id.hpp"

#include <boost/json/parse.hpp>

#include <catch2/catch.hpp>

#include <map>
#include <memory>

using namespace sessiongate;
using namespace sessiongate::session;

namespace {

constexpr std::int64_t now = 1700000000;
const std::string cookie_id = std::string(42, 'c') + "A";
const SecretKeys keys({std::string(32, 'k')});

std::shared_ptr<config::Config> base_config() {
    auto config = std::make_shared<config::Config>();
    config::Route statics;
    statics.prefix = "/static";
    statics.sessions = false;
    config->routes = {statics};
    return config;
}

/// A step with its request head seen: `cookie` (if any) sent on `path`.
SessionStep step_for(config::ConfigPtr config, const std::string& cookie = {}, std::string_view path = "/") {
    SessionStep step(std::move(config), keys, "req-1");
    RequestHead head;
    head.path = path;
    const std::string header = "sessionid=" + cookie;
    if (!cookie.empty()) head.cookie_headers.push_back(header);
    step.on_request_head(head);
    return step;
}

LoadResult found(std::string data = R"({"a":1})", std::int64_t modified = now - 10) {
    LoadResult loaded;
    loaded.status = LoadStatus::Found;
    loaded.record.handle = "h-loaded";
    loaded.record.data_json = std::move(data);
    loaded.record.created = now - 100;
    loaded.record.modified = modified;
    loaded.record.expires = modified + 1209600;
    return loaded;
}

LoadResult load_status(LoadStatus status, std::string error = {}) {
    LoadResult loaded;
    loaded.status = status;
    loaded.error = std::move(error);
    return loaded;
}

using Pairs = std::vector<std::pair<std::string_view, std::string_view>>;

ResponseHead response(Pairs control = {}, unsigned status = 200) {
    ResponseHead head;
    head.status = status;
    head.control_headers = std::move(control);
    return head;
}

std::map<std::string, std::string> as_map(const std::vector<Header>& headers) {
    return {headers.begin(), headers.end()};
}

WriteResult saved(std::string cookie_value, std::int64_t expires = now + 1209600) {
    WriteResult result;
    result.outcome = WriteOutcome::Saved;
    result.cookie_value = std::move(cookie_value);
    result.record.handle = "h-saved";
    result.record.data_json = R"({"a":2})";
    result.record.modified = now;  // saved now
    result.record.expires = expires;
    return result;
}

WriteResult outcome(WriteOutcome what, std::string error = {}) {
    WriteResult result;
    result.outcome = what;
    result.error = std::move(error);
    return result;
}

}  // namespace

// -- (a) request head ---------------------------------------------------------------

TEST_CASE("step (a): what the request head calls for", "[session_step]") {
    auto config = base_config();

    SECTION("our cookie is loaded as sent, whatever its shape: the store judges it") {
        for (const std::string& value : {cookie_id, std::string("v1.sealed-cookie.payload"), std::string("x")}) {
            SessionStep step(config, keys, "r");
            const std::string header = "theme=dark; sessionid=" + value + "; lang=en";
            const auto start = step.on_request_head({"/", {header}, false, {}});
            REQUIRE(start.load);
            CHECK(*start.load == value);
            CHECK(start.cookie_header == "theme=dark; lang=en");
        }
    }
    SECTION("no cookie, or an empty one: nothing to load") {
        SessionStep step(config, keys, "r");
        const auto start = step.on_request_head({"/", {"theme=dark"}, false, {}});
        CHECK_FALSE(start.load);
        CHECK(start.cookie_header == "theme=dark");
        SessionStep empty(config, keys, "r");
        CHECK_FALSE(empty.on_request_head({"/", {"sessionid="}, false, {}}).load);
    }
    SECTION("several Cookie headers become one, without ours; none left means none sent") {
        SessionStep step(config, keys, "r");
        const std::string second = "sessionid=" + cookie_id + "; b=2";
        auto start = step.on_request_head({"/", {"a=1", second}, false, {}});
        CHECK(start.cookie_header == "a=1; b=2");
        SessionStep only(config, keys, "r");
        const std::string ours = "sessionid=" + cookie_id;
        CHECK(only.on_request_head({"/", {ours}, false, {}}).cookie_header == "");
        SessionStep none(config, keys, "r");
        CHECK_FALSE(none.on_request_head({"/", {}, false, {}}).cookie_header);
    }
    SECTION("a route with sessions off loads nothing, yet hides our cookie") {
        SessionStep step(config, keys, "r");
        const std::string header = "sessionid=" + cookie_id + "; a=1";
        const auto start = step.on_request_head({"/static/app.js", {header}, false, {}});
        CHECK_FALSE(start.load);
        CHECK(start.cookie_header == "a=1");
    }
    SECTION("strip_session_cookie off: the Cookie headers are left as sent") {
        auto kept = base_config();
        kept->strip_session_cookie = false;
        SessionStep step(kept, keys, "r");
        const std::string header = "sessionid=" + cookie_id;
        const auto start = step.on_request_head({"/", {header}, false, {}});
        CHECK(start.load);
        CHECK_FALSE(start.cookie_header);
    }
}

// -- (b) the load's result --------------------------------------------------------------

TEST_CASE("step (b): what the upstream is told", "[session_step]") {
    auto config = base_config();

    SECTION("an active session") {
        auto step = step_for(config, cookie_id);
        const auto decision = step.on_loaded(found());
        CHECK_FALSE(decision.reply);
        const auto headers = as_map(decision.upstream_headers);
        CHECK(headers.at("X-Session-State") == "active");
        CHECK(headers.at("X-Session-Id") == "h-loaded");
        CHECK(headers.at("X-Session") == R"({"a":1})");
        CHECK(step.state() == SessionState::Active);
        CHECK(step.handle() == "h-loaded");
    }
    SECTION("expired, unknown, no cookie, malformed cookie") {
        const std::vector<std::tuple<std::string, std::optional<LoadResult>, std::string>> cases = {
            {cookie_id, load_status(LoadStatus::Expired), "expired"},
            {cookie_id, load_status(LoadStatus::NotFound), "invalid"},
            {"", std::nullopt, "none"},
        };
        for (const auto& [cookie, loaded, state] : cases) {
            auto step = step_for(config, cookie);
            const auto decision = step.on_loaded(loaded);
            const auto headers = as_map(decision.upstream_headers);
            CHECK(headers == std::map<std::string, std::string>{{"X-Session-State", state}, {"X-Session", "{}"}});
            CHECK(step.handle().empty());
        }
        SessionStep step(config, keys, "r");
        step.on_request_head({"/", {"sessionid="}, false, {}});
        CHECK(as_map(step.on_loaded(std::nullopt).upstream_headers).at("X-Session-State") == "invalid");
    }
    SECTION("sessions off: no session headers at all") {
        auto step = step_for(config, cookie_id, "/static/x");
        CHECK(step.on_loaded(std::nullopt).upstream_headers.empty());
    }
    SECTION("the store failed, store.unavailable: reject: 503 with Retry-After, logged with the request id") {
        auto step = step_for(config, cookie_id);
        const auto decision = step.on_loaded(load_status(LoadStatus::Error, "connection refused"));
        REQUIRE(decision.reply);
        CHECK(decision.reply->status == 503);
        CHECK(decision.reply->headers == std::vector<Header>{{"Retry-After", "1"}});
        CHECK(decision.upstream_headers.empty());
        REQUIRE(decision.notes.size() == 1);
        CHECK(decision.notes[0].kind == StepNote::Kind::StoreError);
        CHECK(decision.notes[0].event() == "store_error");
        CHECK(decision.notes[0].fields.at("request_id") == "req-1");
        CHECK(decision.notes[0].fields.at("error") == "connection refused");
        CHECK(step.state() == SessionState::Unavailable);
    }
    SECTION("a load that timed out is a store failure too") {
        auto step = step_for(config, cookie_id);
        CHECK(step.on_loaded(LoadResult::timed_out()).reply->status == 503);
    }
    SECTION("store.unavailable: anonymous: forwarded without a session, and nothing saved") {
        config->store.unavailable = config::StoreUnavailable::Anonymous;
        auto step = step_for(config, cookie_id);
        const auto decision = step.on_loaded(load_status(LoadStatus::Error, "down"));
        CHECK_FALSE(decision.reply);
        CHECK(as_map(decision.upstream_headers) ==
              std::map<std::string, std::string>{{"X-Session-State", "unavailable"}, {"X-Session", "{}"}});
        CHECK(decision.notes.size() == 1);
        const auto plan = step.on_response_head(response({{"X-Session-Update", R"({"b":1})"}}), now);
        CHECK_FALSE(plan.write);
        CHECK_FALSE(plan.reply);
    }
}

// -- (c) response head ----------------------------------------------------------------------

TEST_CASE("step (c): the write a response calls for", "[session_step]") {
    auto config = base_config();

    SECTION("a new session gets a fresh id from the CSPRNG and the handle derived from it") {
        auto step = step_for(config);
        step.on_loaded(std::nullopt);
        const auto plan = step.on_response_head(response({{"X-Session-Update", R"({"n":1})"}}), now);
        REQUIRE(plan.write);
        CHECK(plan.write->current.empty());
        CHECK(is_well_formed_session_id(plan.write->fresh_id));
        CHECK(plan.write->fresh_handle == keys.handle_for(plan.write->fresh_id));
        CHECK(plan.write->now == now);
        CHECK(plan.write->max_bytes == config->session_max_bytes);
        auto other = step_for(config);
        other.on_loaded(std::nullopt);
        const auto second = other.on_response_head(response({{"X-Session-Update", R"({"n":1})"}}), now);
        CHECK(second.write->fresh_id != plan.write->fresh_id);
    }
    SECTION("an update of an active session goes to its cookie value") {
        auto step = step_for(config, cookie_id);
        step.on_loaded(found());
        const auto plan = step.on_response_head(response({{"X-Session-Update", R"({"a":2})"}}), now);
        REQUIRE(plan.write);
        CHECK(plan.write->current == cookie_id);
        CHECK(plan.notes.empty());
    }
    SECTION("a malformed set is void as a whole; each bad header logged by name with the request id") {
        auto step = step_for(config, cookie_id);
        step.on_loaded(found());
        const auto plan = step.on_response_head(
            response({{"X-Session-Update", R"({"a":2})"}, {"X-Session-Action", "explode"}}), now);
        CHECK_FALSE(plan.write);
        CHECK_FALSE(plan.reply);
        REQUIRE(plan.notes.size() == 1);
        CHECK(plan.notes[0].event() == "control_header_error");
        CHECK(plan.notes[0].fields.at("header") == "X-Session-Action");
        CHECK(plan.notes[0].fields.at("request_id") == "req-1");
    }
    SECTION("a name the contract does not define is logged and voids nothing") {
        auto step = step_for(config, cookie_id);
        step.on_loaded(found());
        const auto plan = step.on_response_head(
            response({{"X-Session-Debug", "1"}, {"X-Session-Update", R"({"a":2})"}}), now);
        REQUIRE(plan.write);
        REQUIRE(plan.write->patches.size() == 1);
        CHECK(boost::json::value(plan.write->patches[0]) == boost::json::parse(R"({"a":2})"));
        REQUIRE(plan.notes.size() == 1);
        CHECK(plan.notes[0].kind == StepNote::Kind::UnknownControlHeader);
        CHECK(plan.notes[0].event() == "control_header_unknown");
        CHECK(plan.notes[0].level() == config::LogLevel::Warn);
        CHECK(plan.notes[0].fields.at("header") == "X-Session-Debug");
        CHECK(plan.notes[0].fields.at("request_id") == "req-1");
    }
    SECTION("under strict_control too") {
        config->strict_control = true;
        auto step = step_for(config, cookie_id);
        step.on_loaded(found());
        const auto plan = step.on_response_head(
            response({{"X-Session-Frobnicate", "x"}, {"X-Session-Update", R"({"a":2})"}}), now);
        CHECK_FALSE(plan.reply);
        CHECK(plan.write);
    }
    SECTION("a void set still lets a rolling touch happen") {
        config->save_every_request = true;
        config->touch_interval = 0;
        auto step = step_for(config, cookie_id);
        step.on_loaded(found());
        const auto plan = step.on_response_head(response({{"X-Session-Action", "bogus"}}), now);
        REQUIRE(plan.write);
        CHECK(plan.write->touch);
        CHECK(plan.write->action == SessionAction::None);
        CHECK(plan.write->patches.empty());
    }
    SECTION("strict_control: a malformed set answers 502") {
        config->strict_control = true;
        auto step = step_for(config, cookie_id);
        step.on_loaded(found());
        const auto plan = step.on_response_head(response({{"X-Session-Expiry", "soon"}}), now);
        REQUIRE(plan.reply);
        CHECK(plan.reply->status == 502);
        CHECK_FALSE(plan.write);
        CHECK(step.event() == SessionEvent::Refused);
    }
    SECTION("an upstream Set-Cookie for our cookie's name is dropped and logged, on every route") {
        for (const std::string_view path : {"/", "/static/app.js"}) {
            auto step = step_for(config, cookie_id, path);
            step.on_loaded(found());
            auto head = response({{"X-Session-Update", R"({"a":2})"}});
            head.set_cookies = {"theme=dark; Path=/", "sessionid=forged; Path=/", " sessionid =x", "sessionidx=1",
                                "SessionId=2"};
            const auto plan = step.on_response_head(head, now);
            CHECK(plan.dropped_set_cookies == std::vector<std::size_t>{1, 2});
            REQUIRE(plan.notes.size() == 2);
            CHECK(plan.notes[0].event() == "set_cookie_dropped");
            CHECK(plan.notes[0].level() == config::LogLevel::Warn);
            CHECK(plan.notes[0].fields.at("request_id") == "req-1");
            CHECK(plan.notes[0].fields.at("cookie") == "sessionid");
        }
    }
    SECTION("no write on a 5xx, nor on a route with sessions off") {
        auto step = step_for(config, cookie_id);
        step.on_loaded(found());
        CHECK_FALSE(step.on_response_head(response({{"X-Session-Update", R"({"a":2})"}}, 500), now).write);
        auto off = step_for(config, cookie_id, "/static/x");
        off.on_loaded(std::nullopt);
        CHECK_FALSE(off.on_response_head(response({{"X-Session-Update", R"({"a":2})"}}), now).write);
    }
}

// -- (d) the write's result ---------------------------------------------------------------------

TEST_CASE("step (d): what the client gets back", "[session_step]") {
    auto config = base_config();
    const std::string new_id = std::string(42, 'n') + "A";

    SECTION("created: the cookie with Max-Age to the record's expiry, Vary and private caching") {
        auto step = step_for(config);
        step.on_loaded(std::nullopt);
        step.on_response_head(response({{"X-Session-Update", R"({"a":2})"}}), now);
        const auto decision = step.on_written(saved(new_id));
        REQUIRE(decision.set_cookies.size() == 1);
        CHECK_THAT(decision.set_cookies[0], Catch::StartsWith("sessionid=" + new_id + "; expires="));
        CHECK_THAT(decision.set_cookies[0], Catch::Contains("; Max-Age=1209600;"));
        CHECK(decision.vary_cookie);
        CHECK(decision.private_cache);
        CHECK(step.event() == SessionEvent::Created);
        CHECK(step.state() == SessionState::Active);
        CHECK(step.handle() == "h-saved");
    }
    SECTION("saved under the same id; a touch re-sends the cookie") {
        auto step = step_for(config, cookie_id);
        step.on_loaded(found());
        step.on_response_head(response({{"X-Session-Update", R"({"a":2})"}}), now);
        auto result = saved(cookie_id, now + 300);
        result.record.handle = "h-loaded";  // the same id keeps its handle
        const auto decision = step.on_written(result);
        CHECK_THAT(decision.set_cookies.at(0), Catch::StartsWith("sessionid=" + cookie_id + ";"));
        CHECK_THAT(decision.set_cookies.at(0), Catch::Contains("; Max-Age=300;"));
        CHECK(step.event() == SessionEvent::Saved);
    }
    SECTION("saved, not created, when a cookie store seals the same session into a new value") {
        auto step = step_for(config, cookie_id);
        step.on_loaded(found());
        step.on_response_head(response({{"X-Session-Update", R"({"a":2})"}}), now);
        auto result = saved("sealed-anew");
        result.record.handle = "h-loaded";
        CHECK_THAT(step.on_written(result).set_cookies.at(0), Catch::StartsWith("sessionid=sealed-anew;"));
        CHECK(step.event() == SessionEvent::Saved);
    }
    SECTION("Max-Age and Expires count from the save, not from when the answer came") {
        auto step = step_for(config, cookie_id);
        step.on_loaded(found());
        auto result = saved(cookie_id, now + 1209600);
        result.record.modified = now - 7;  // a slow store: the save was 7 s ago
        result.record.expires = now - 7 + 1209600;
        const auto cookie = step.on_written(result).set_cookies.at(0);
        CHECK_THAT(cookie, Catch::Contains("; Max-Age=1209600;"));
        CHECK_THAT(cookie, Catch::Contains("expires=" + http_date(now - 7 + 1209600) + ";"));
        result.record.expires = result.record.modified - 5;  // never negative
        CHECK_THAT(step.on_written(result).set_cookies.at(0), Catch::Contains("; Max-Age=0;"));
    }
    SECTION("cycled and flushed") {
        for (const auto& [action, event] : {std::pair{"cycle", SessionEvent::Cycled}, std::pair{"flush", SessionEvent::Flushed}}) {
            auto step = step_for(config, cookie_id);
            step.on_loaded(found());
            step.on_response_head(response({{"X-Session-Action", action}, {"X-Session-Update", R"({"b":1})"}}), now);
            step.on_written(saved(new_id));
            CHECK(step.event() == event);
        }
    }
    SECTION("deleted: Django's deletion cookie for the cookie that named the session") {
        auto step = step_for(config, cookie_id);
        step.on_loaded(found());
        step.on_response_head(response({{"X-Session-Update", R"({"a":null})"}}), now);
        const auto decision = step.on_written(outcome(WriteOutcome::Deleted));
        REQUIRE(decision.set_cookies.size() == 1);
        CHECK(decision.set_cookies[0] == format_deletion_cookie(config->cookie, false));
        CHECK(decision.private_cache);
        CHECK(step.event() == SessionEvent::Deleted);
        CHECK(step.handle() == "h-loaded");  // the log names the session deleted

        auto flushed = step_for(config, cookie_id);
        flushed.on_loaded(found());
        flushed.on_response_head(response({{"X-Session-Action", "flush"}}), now);
        flushed.on_written(outcome(WriteOutcome::Deleted));
        CHECK(flushed.event() == SessionEvent::Flushed);
    }
    SECTION("browser-session cookies: expiry 0, or expire_at_browser_close with no explicit expiry") {
        auto result = saved(new_id);
        result.record.expiry_seconds = 0;
        auto step = step_for(config);
        step.on_loaded(std::nullopt);
        CHECK(step.on_written(result).set_cookies.at(0) ==
              "sessionid=" + new_id + "; HttpOnly; Path=/; SameSite=Lax");

        config->cookie.expire_at_browser_close = true;
        result.record.expiry_seconds.reset();
        auto closing = step_for(config);
        closing.on_loaded(std::nullopt);
        CHECK(closing.on_written(result).set_cookies.at(0) ==
              "sessionid=" + new_id + "; HttpOnly; Path=/; SameSite=Lax");

        result.record.expiry_seconds = 300;  // an explicit expiry wins over the setting
        result.record.expires = now + 300;
        auto explicit_expiry = step_for(config);
        explicit_expiry.on_loaded(std::nullopt);
        CHECK_THAT(explicit_expiry.on_written(result).set_cookies.at(0), Catch::Contains("; Max-Age=300;"));
    }
    SECTION("stale cookies are left alone; no cookie for the other outcomes") {
        for (const auto& loaded : {load_status(LoadStatus::Expired), load_status(LoadStatus::NotFound)}) {
            auto step = step_for(config, cookie_id);
            step.on_loaded(loaded);
            CHECK(step.on_written(outcome(WriteOutcome::Deleted)).set_cookies.empty());
        }
        for (const auto what : {WriteOutcome::Unchanged, WriteOutcome::Gone, WriteOutcome::TooLarge}) {
            auto step = step_for(config, cookie_id);
            step.on_loaded(found());
            auto result = outcome(what);
            result.cookie_value = cookie_id;  // whatever a store left there
            const auto decision = step.on_written(result);
            CHECK(decision.set_cookies.empty());
            CHECK_FALSE(decision.private_cache);
            CHECK(decision.vary_cookie);
            CHECK_FALSE(decision.reply);
        }
    }
    SECTION("refusals are logged: too large, deleted meanwhile") {
        auto step = step_for(config, cookie_id);
        step.on_loaded(found());
        auto decision = step.on_written(outcome(WriteOutcome::TooLarge));
        REQUIRE(decision.notes.size() == 1);
        CHECK(decision.notes[0].event() == "session_too_large");
        CHECK(decision.notes[0].fields.at("limit") == 16384);
        CHECK_FALSE(decision.notes[0].fields.contains("detail"));
        CHECK(step.event() == SessionEvent::Refused);
        // A store's own limit is named (the cookie store's cookie size).
        auto cookie_limit = step_for(config, cookie_id);
        cookie_limit.on_loaded(found());
        decision = cookie_limit.on_written(outcome(WriteOutcome::TooLarge, "over the 4096-byte cookie limit"));
        REQUIRE(decision.notes.size() == 1);
        CHECK(decision.notes[0].fields.at("detail") == "over the 4096-byte cookie limit");
        auto gone = step_for(config, cookie_id);
        gone.on_loaded(found());
        decision = gone.on_written(outcome(WriteOutcome::Gone));
        REQUIRE(decision.notes.size() == 1);
        CHECK(decision.notes[0].event() == "session_gone");
        CHECK(decision.notes[0].level() == config::LogLevel::Info);
    }
    SECTION("the store failed: 503 under reject, the response unsaved under anonymous") {
        for (const auto what : {WriteOutcome::Error, WriteOutcome::Full}) {
            auto step = step_for(config, cookie_id);
            step.on_loaded(found());
            const auto decision = step.on_written(outcome(what, "disk"));
            REQUIRE(decision.reply);
            CHECK(decision.reply->status == 503);
            CHECK(decision.reply->headers == std::vector<Header>{{"Retry-After", "1"}});
            CHECK(decision.notes.at(0).fields.at("during") == "write");
            CHECK(step.event() == SessionEvent::Refused);
        }
        config->store.unavailable = config::StoreUnavailable::Anonymous;
        auto step = step_for(config, cookie_id);
        step.on_loaded(found());
        const auto decision = step.on_written(WriteResult::timed_out());
        CHECK_FALSE(decision.reply);
        CHECK(decision.set_cookies.empty());
        CHECK(decision.notes.at(0).kind == StepNote::Kind::StoreError);
    }
    SECTION("no write made: only Vary") {
        auto step = step_for(config, cookie_id);
        step.on_loaded(found());
        const auto decision = step.on_written(std::nullopt);
        CHECK(decision.vary_cookie);
        CHECK(decision.set_cookies.empty());
        CHECK(step.event() == SessionEvent::None);
    }
    SECTION("sessions off: nothing at all") {
        auto step = step_for(config, cookie_id, "/static/x");
        step.on_loaded(std::nullopt);
        const auto decision = step.on_written(saved(new_id));
        CHECK_FALSE(decision.vary_cookie);
        CHECK(decision.set_cookies.empty());
    }
}

TEST_CASE("step: cookie.secure auto follows the client's transport", "[session_step]") {
    auto config = base_config();
    const std::string new_id = std::string(42, 'n') + "A";

    // The Set-Cookie a new session gets, and the deletion one, for a request
    // that came over `tls` / with this trusted X-Forwarded-Proto.
    auto cookies_for = [&](bool tls, std::string_view proto) {
        SessionStep step(config, keys, "r");
        const std::string header = "sessionid=" + cookie_id;
        step.on_request_head({"/", {header}, tls, proto});
        step.on_loaded(found());
        step.on_response_head(response({{"X-Session-Action", "flush"}}), now);
        auto deleted = step.on_written(outcome(WriteOutcome::Deleted)).set_cookies.at(0);
        SessionStep fresh(config, keys, "r");
        fresh.on_request_head({"/", {}, tls, proto});
        fresh.on_loaded(std::nullopt);
        return std::pair{fresh.on_written(saved(new_id)).set_cookies.at(0), deleted};
    };
    auto secure = [](const std::string& set_cookie) { return set_cookie.ends_with("; Secure"); };

    SECTION("auto, the default") {
        CHECK(config->cookie.secure == config::CookieSecure::Auto);
        for (const auto& [tls, proto, expected] :
             std::vector<std::tuple<bool, std::string_view, bool>>{{true, "", true},
                                                                  {false, "https", true},
                                                                  {false, " HTTPS ", true},
                                                                  {false, "https, http", true},  // the leftmost, as Django
                                                                  {false, "http, https", false},
                                                                  {false, "http", false},
                                                                  {false, "", false},
                                                                  {false, "httpsx", false}}) {
            INFO(tls << " " << proto);
            const auto [set, deleted] = cookies_for(tls, proto);
            CHECK(secure(set) == expected);
            CHECK(secure(deleted) == expected);
        }
    }
    SECTION("true and false force it") {
        config->cookie.secure = config::CookieSecure::Always;
        CHECK(secure(cookies_for(false, "").first));
        config->cookie.secure = config::CookieSecure::Never;
        CHECK_FALSE(secure(cookies_for(true, "https").first));
    }
    SECTION("prefixed names always get it") {
        config->cookie.name = "__Host-sid";
        SessionStep step(config, keys, "r");
        step.on_request_head({"/", {}, false, ""});
        step.on_loaded(std::nullopt);
        CHECK(secure(step.on_written(saved(new_id)).set_cookies.at(0)));
    }
}
