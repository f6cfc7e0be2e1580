// The CSRF parts of the session step: the origin check, the token upstream,
// the token an unsafe request must carry, and the secret's life in the record.
#include "session/session_step.hpp"

#include "session/csrf_token.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <memory>

using namespace sessiongate;
using namespace sessiongate::session;

namespace {

constexpr std::int64_t now = 1700000000;
const std::string cookie_id = std::string(42, 'c') + "A";
const std::string secret = "lcccccccX2kcccccccY2jcccccccssIC";
const SecretKeys keys({std::string(32, 'k')});

std::shared_ptr<config::Config> csrf_config(config::CsrfMode mode = config::CsrfMode::Token) {
    auto config = std::make_shared<config::Config>();
    config->csrf.mode = mode;
    config::Route api;
    api.prefix = "/api/";
    api.csrf = config::CsrfMode::Off;
    config->routes = {api};
    return config;
}

struct Request {
    std::string method = "POST";
    std::string path = "/";
    bool cookie = true;
    std::optional<std::string> origin;
    std::optional<std::string> site;
    std::optional<std::string> token;
    bool form = false;
};

SessionStep step_for(config::ConfigPtr config, const Request& request, RequestStart* start = nullptr) {
    SessionStep step(std::move(config), keys, "req-9");
    RequestHead head;
    head.path = request.path;
    head.method = request.method;
    head.host = "app.example";
    const std::string header = "sessionid=" + cookie_id;
    if (request.cookie) head.cookie_headers.push_back(header);
    if (request.origin) head.origin = *request.origin;
    if (request.site) head.sec_fetch_site = *request.site;
    if (request.token) head.csrf_token = *request.token;
    head.form_body = request.form;
    auto started = step.on_request_head(head);
    if (start) *start = started;
    return step;
}

LoadResult found(std::optional<std::string> with_secret = secret, std::string data = R"({"member_id":1})") {
    LoadResult loaded;
    loaded.status = LoadStatus::Found;
    loaded.record.handle = "h-loaded";
    loaded.record.data_json = std::move(data);
    loaded.record.created = now - 100;
    loaded.record.modified = now - 10;
    loaded.record.expires = now + 1000;
    if (with_secret) loaded.record.internal[std::string(csrf_secret_field)] = *with_secret;
    return loaded;
}

std::string token_told(const RequestDecision& decision) {
    for (const auto& [name, value] : decision.upstream_headers)
        if (name == "X-Session-Csrf") return value;
    return {};
}

void check_refused(const RequestDecision& decision, StepNote::Kind kind, std::string_view reason) {
    REQUIRE(decision.reply);
    CHECK(decision.reply->status == 403);
    CHECK(decision.reply->reason == reason);
    CHECK(decision.reply->body == std::string(reason) + "\n");
    REQUIRE(decision.notes.size() == 1);
    CHECK(decision.notes[0].kind == kind);
    CHECK(decision.notes[0].event() == "csrf_refused");
    CHECK(decision.notes[0].fields.at("request_id") == "req-9");
    CHECK(decision.notes[0].fields.at("reason").as_string() == reason);
}

ResponseHead response(std::vector<std::pair<std::string_view, std::string_view>> control = {}) {
    ResponseHead head;
    head.status = 200;
    head.control_headers = std::move(control);
    return head;
}

}  // namespace

TEST_CASE("csrf step: a cross-site request is refused before the store is asked", "[session_step][csrf]") {
    for (auto mode : {config::CsrfMode::Origin, config::CsrfMode::Token}) {
        Request request;
        request.origin = "https://evil.example";
        RequestStart start;
        auto step = step_for(csrf_config(mode), request, &start);
        CHECK_FALSE(start.load);
        const auto decision = step.on_loaded(std::nullopt);
        check_refused(decision, StepNote::Kind::CsrfCrossSite, "CSRF: cross-site request");
        CHECK(decision.notes[0].fields.at("origin") == "https://evil.example");
        CHECK(decision.upstream_headers.empty());
        CHECK_FALSE(step.state_told());
    }
}

TEST_CASE("csrf step: what passes the origin check", "[session_step][csrf]") {
    auto origin_mode = csrf_config(config::CsrfMode::Origin);
    Request same;
    same.origin = "http://app.example";  // plain HTTP to the proxy: the request's own origin
    CHECK_FALSE(step_for(origin_mode, same).on_loaded(found()).reply);
    Request plain;  // neither header
    CHECK_FALSE(step_for(origin_mode, plain).on_loaded(found()).reply);
    Request safe;
    safe.method = "GET";
    safe.site = "cross-site";
    CHECK_FALSE(step_for(origin_mode, safe).on_loaded(found()).reply);
    Request api;  // routes[].csrf: off
    api.path = "/api/orders";
    api.site = "cross-site";
    CHECK_FALSE(step_for(origin_mode, api).on_loaded(found()).reply);
    // Origin mode asks for no token and tells the upstream none.
    CHECK(token_told(step_for(origin_mode, plain).on_loaded(found())).empty());
    // Mode off checks nothing.
    Request evil;
    evil.site = "cross-site";
    CHECK_FALSE(step_for(csrf_config(config::CsrfMode::Off), evil).on_loaded(found()).reply);
}

TEST_CASE("csrf step: the upstream gets the secret masked anew on every request", "[session_step][csrf]") {
    auto config = csrf_config();
    Request get;
    get.method = "GET";
    const auto first = token_told(step_for(config, get).on_loaded(found()));
    const auto second = token_told(step_for(config, get).on_loaded(found()));
    CHECK(first.size() == csrf_token_length);
    CHECK(first != second);
    CHECK(csrf_token_matches(first, secret));
    CHECK(csrf_token_matches(second, secret));
    CHECK(first.find(secret) == std::string::npos);
}

TEST_CASE("csrf step: an unsafe request of a session must carry its token", "[session_step][csrf]") {
    auto config = csrf_config();
    Request request;
    SECTION("none at all") {
        check_refused(step_for(config, request).on_loaded(found()), StepNote::Kind::CsrfTokenMissing,
                      "CSRF: token missing");
    }
    SECTION("an empty X-CSRFToken") {
        request.token = "";
        check_refused(step_for(config, request).on_loaded(found()), StepNote::Kind::CsrfTokenMissing,
                      "CSRF: token missing");
    }
    SECTION("another session's token") {
        request.token = mask_csrf_secret(new_csrf_secret());
        check_refused(step_for(config, request).on_loaded(found()), StepNote::Kind::CsrfTokenIncorrect,
                      "CSRF: token incorrect");
    }
    SECTION("the right one in X-CSRFToken, any masking") {
        request.token = mask_csrf_secret(secret);
        const auto decision = step_for(config, request).on_loaded(found());
        CHECK_FALSE(decision.reply);
        CHECK_FALSE(decision.read_form_token);
        CHECK(csrf_token_matches(token_told(decision), secret));
    }
    SECTION("a form body: found there, or refused") {
        request.form = true;
        auto step = step_for(config, request);
        const auto decision = step.on_loaded(found());
        CHECK_FALSE(decision.reply);
        CHECK(decision.read_form_token);
        CHECK_FALSE(step.on_form_token(mask_csrf_secret(secret)).reply);
        auto missing = step_for(config, request);
        missing.on_loaded(found());
        check_refused(missing.on_form_token(std::nullopt), StepNote::Kind::CsrfTokenMissing, "CSRF: token missing");
        CHECK_FALSE(missing.state_told());
        auto wrong = step_for(config, request);
        wrong.on_loaded(found());
        check_refused(wrong.on_form_token("x"), StepNote::Kind::CsrfTokenIncorrect, "CSRF: token incorrect");
    }
    SECTION("a session from before token mode holds no secret: refused, never passed") {
        request.token = mask_csrf_secret(secret);
        check_refused(step_for(config, request).on_loaded(found(std::nullopt)), StepNote::Kind::CsrfTokenIncorrect,
                      "CSRF: token incorrect");
    }
    SECTION("no session: nothing to forge, no token needed") {
        request.cookie = false;
        const auto decision = step_for(config, request).on_loaded(std::nullopt);
        CHECK_FALSE(decision.reply);
        CHECK_FALSE(decision.read_form_token);
    }
}

namespace {

/// A GET on the loaded session (none when `loaded` is nullopt): the token the
/// upstream was told, and the write its response (with `control`) makes.
struct AfterGet {
    std::string told;
    std::optional<SessionWrite> write;
    /// The secret the write sets, "" when it leaves the stored one alone.
    std::string secret_set() const {
        REQUIRE(write);
        const auto found = write->internal.find(std::string(csrf_secret_field));
        if (found == write->internal.end()) return {};
        REQUIRE(found->second);
        return *found->second;
    }
};

AfterGet after_get(std::vector<std::pair<std::string_view, std::string_view>> control,
                   std::optional<LoadResult> loaded = found(), config::CsrfMode mode = config::CsrfMode::Token) {
    Request get;
    get.method = "GET";
    get.cookie = loaded.has_value();
    auto step = step_for(csrf_config(mode), get);
    AfterGet after;
    after.told = token_told(step.on_loaded(std::move(loaded)));
    after.write = step.on_response_head(response(std::move(control)), now).write;
    return after;
}

}  // namespace

TEST_CASE("csrf step: the secret's life in the record", "[session_step][csrf]") {
    const auto update = std::pair<std::string_view, std::string_view>{"X-Session-Update", R"({"a":1})"};
    const auto cycle = std::pair<std::string_view, std::string_view>{"X-Session-Action", "cycle"};

    SECTION("made with the session: the one whose token the upstream got") {
        const auto after = after_get({update}, std::nullopt);
        CHECK(csrf_token_matches(after.told, after.secret_set()));
    }
    SECTION("no session made, none stored") {
        CHECK_FALSE(after_get({}, std::nullopt).write);
    }
    SECTION("kept by updates and by cycle") {
        CHECK(after_get({update}).secret_set().empty());
        CHECK(after_get({update, cycle}).secret_set().empty());
    }
    SECTION("rotated at login: cycle with a new member id; the same member again is no login") {
        const auto login = after_get({cycle, {"X-Session-Update", R"({"member_id":2})"}}).secret_set();
        CHECK(is_csrf_secret(login));
        CHECK(login != secret);
        CHECK(after_get({cycle, {"X-Session-Update", R"({"member_id":1})"}}).secret_set().empty());
    }
    SECTION("flush drops it: a session the response starts afresh gets a new one") {
        const auto fresh = after_get({{"X-Session-Action", "flush"}, update}).secret_set();
        CHECK(is_csrf_secret(fresh));
        CHECK(fresh != secret);
    }
    SECTION("a session without one gets one, even from a response that changes nothing") {
        const auto after = after_get({}, found(std::nullopt));
        REQUIRE(after.write);
        CHECK(after.write->current == cookie_id);
        CHECK(after.write->patches.empty());
        CHECK(csrf_token_matches(after.told, after.secret_set()));
    }
    SECTION("origin mode stores no secret") {
        const auto after = after_get({update}, std::nullopt, config::CsrfMode::Origin);
        REQUIRE(after.write);
        CHECK(after.write->internal.empty());
        CHECK(after.told.empty());
    }
}
