#include "proxy/session_headers.hpp"

#include "session/control_headers.hpp"

#include <catch2/catch.hpp>

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/rfc7230.hpp>
#include <boost/json/parse.hpp>

#include <string>
#include <utility>
#include <vector>

using namespace sessiongate;
using namespace sessiongate::proxy;

namespace {

using Fields = std::vector<std::pair<std::string, std::string>>;
using Strings = std::vector<std::string>;
const session::SecretKeys keys({std::string(32, 'k')});

// Well-formed session ids: 43 base64url characters, the last one's two low
// bits zero.
const std::string id_a = std::string(42, 'a') + "A";
const std::string id_b = std::string(42, 'b') + "Q";

http::fields make_fields(const Fields& list) {
    http::fields fields;
    for (const auto& [name, value] : list) fields.insert(name, value);
    return fields;
}

Fields all_of(const http::fields& fields) {
    Fields list;
    for (const auto& field : fields) list.emplace_back(field.name_string(), field.value());
    return list;
}

Strings values_of(const http::fields& fields, std::string_view name) {
    Strings values;
    for (auto range = fields.equal_range(name); range.first != range.second; ++range.first)
        values.emplace_back(range.first->value());
    return values;
}

config::Config make_config() {
    config::Config config;
    config.header_prefix = "X-Session";
    config.cookie.name = "sessionid";
    config.strip_session_cookie = true;
    config.inject = {{"member_id", "X-Member-Id"}, {"role", "X-Role"}};
    return config;
}

boost::json::object json_object(std::string_view text) {
    return boost::json::parse(text).as_object();
}

/// The glue and the step together on a request head: the Cookie headers
/// rewritten for the upstream, and the value the step would load, if any.
std::optional<std::string> cookie_to_load(http::fields& fields, const config::Config& config) {
    session::SessionStep step(std::make_shared<const config::Config>(config), keys, "r");
    auto start = step.on_request_head(session_request_head(fields, "GET", "/", false, false));
    replace_cookie_headers(fields, start.cookie_header);
    return start.load;
}

/// take_control_headers, parsed as the step parses them.
session::ControlHeaders take_and_parse(http::fields& fields, std::string_view prefix) {
    const auto taken = take_control_headers(fields, prefix);
    const std::vector<std::pair<std::string_view, std::string_view>> views(taken.begin(), taken.end());
    return session::parse_control_headers(prefix, views);
}

session::ResponseDecision setting(Strings cookies) {
    session::ResponseDecision decision;
    decision.vary_cookie = true;
    decision.private_cache = !cookies.empty();
    decision.set_cookies = std::move(cookies);
    return decision;
}

}  // namespace

// -- strip_reserved_request_headers ----------------------------------------------

TEST_CASE("strip_reserved_request_headers removes every prefixed and injected header", "[session_headers]") {
    const auto config = make_config();
    auto fields = make_fields({
        {"Host", "app.example"},
        {"X-Session", "{\"member_id\":1}"},
        {"x-session-id", "forged"},
        {"X-SESSION-STATE", "active"},
        {"X-Session-Expires", "9999999999"},
        {"X-Session-Update", "{}"},
        {"X-Sessionx", "prefix match without a dash"},
        {"Accept", "*/*"},
        {"X-Member-Id", "42"},
        {"x-member-id", "43"},
        {"X-ROLE", "admin"},
        {"X-Other-Session", "kept: prefix not at the start"},
        {"X-Member-Identity", "kept: not the injected name"},
        {"X-Sessio", "kept: shorter than the prefix"},
        {"Cookie", "a=1"},
    });
    strip_reserved_request_headers(fields, config);
    CHECK(all_of(fields) == Fields{
                                {"Host", "app.example"},
                                {"Accept", "*/*"},
                                {"X-Other-Session", "kept: prefix not at the start"},
                                {"X-Member-Identity", "kept: not the injected name"},
                                {"X-Sessio", "kept: shorter than the prefix"},
                                {"Cookie", "a=1"},
                            });
}

TEST_CASE("strip_reserved_request_headers follows a configured prefix", "[session_headers]") {
    auto config = make_config();
    config.header_prefix = "X-Gate";
    config.inject.clear();
    auto fields = make_fields({
        {"X-Gate-Id", "forged"},
        {"x-gate", "{}"},
        {"X-Session-Id", "kept under another prefix"},
        {"X-Member-Id", "kept without inject"},
    });
    strip_reserved_request_headers(fields, config);
    CHECK(all_of(fields) == Fields{
                                {"X-Session-Id", "kept under another prefix"},
                                {"X-Member-Id", "kept without inject"},
                            });
}

TEST_CASE("strip_reserved_request_headers leaves a head without reserved headers alone", "[session_headers]") {
    const auto config = make_config();
    const Fields sent = {{"Host", "app.example"}, {"Accept", "*/*"}, {"Cookie", "sessionid=" + id_a}};
    auto fields = make_fields(sent);
    strip_reserved_request_headers(fields, config);
    CHECK(all_of(fields) == sent);
}

// -- our cookie: found, and hidden from the upstream ---------------------------------------------------------

TEST_CASE("the session cookie finds our cookie and hides it from the upstream", "[session_headers]") {
    const auto config = make_config();

    SECTION("among other cookies") {
        auto fields = make_fields({{"Host", "app.example"}, {"Cookie", "a=1; sessionid=" + id_a + "; b=2"}});
        auto lookup = cookie_to_load(fields, config);
        CHECK(lookup == id_a);
        CHECK(values_of(fields, "Cookie") == Strings{"a=1; b=2"});
    }
    SECTION("the only cookie: no Cookie header is left") {
        auto fields = make_fields({{"Host", "app.example"}, {"Cookie", "sessionid=" + id_a}});
        auto lookup = cookie_to_load(fields, config);
        CHECK(lookup == id_a);
        CHECK(fields.count(http::field::cookie) == 0);
        CHECK(values_of(fields, "Host") == Strings{"app.example"});
    }
    SECTION("the only cookie in one of several Cookie headers") {
        auto fields = make_fields({{"Cookie", "sessionid=" + id_a}, {"Cookie", "theme=dark"}});
        auto lookup = cookie_to_load(fields, config);
        CHECK(lookup == id_a);
        CHECK(values_of(fields, "Cookie") == Strings{"theme=dark"});
    }
    SECTION("several Cookie headers are joined into one") {
        auto fields = make_fields({
            {"Cookie", "a=1"},
            {"Host", "app.example"},
            {"cookie", "sessionid=" + id_a + "; b=2"},
            {"Cookie", "c=3; d=4"},
        });
        auto lookup = cookie_to_load(fields, config);
        CHECK(lookup == id_a);
        CHECK(values_of(fields, "Cookie") == Strings{"a=1; b=2; c=3; d=4"});
    }
    SECTION("several Cookie headers without ours are joined as well") {
        auto fields = make_fields({{"Cookie", "a=1"}, {"Cookie", "c=3"}});
        auto lookup = cookie_to_load(fields, config);
        CHECK_FALSE(lookup);
        CHECK(values_of(fields, "Cookie") == Strings{"a=1; c=3"});
    }
    SECTION("every copy of our cookie goes; the first one is the one found") {
        auto fields = make_fields({{"Cookie", "sessionid=" + id_a + "; x=1; sessionid=" + id_b},
                                   {"Cookie", "sessionid=" + id_b}});
        auto lookup = cookie_to_load(fields, config);
        CHECK(lookup == id_a);
        CHECK(values_of(fields, "Cookie") == Strings{"x=1"});
    }
    SECTION("a value of any shape is for the store to judge, and still removed") {
        auto fields = make_fields({{"Cookie", "a=1; sessionid=not-an-id"}});
        auto lookup = cookie_to_load(fields, config);
        CHECK(lookup == "not-an-id");
        CHECK(values_of(fields, "Cookie") == Strings{"a=1"});
    }
    SECTION("an empty value is never looked up, and still removed") {
        auto fields = make_fields({{"Cookie", "a=1; sessionid="}});
        CHECK_FALSE(cookie_to_load(fields, config));
        CHECK(values_of(fields, "Cookie") == Strings{"a=1"});
    }
    SECTION("cookies with similar names are not ours") {
        auto fields = make_fields({{"Cookie", "SessionId=" + id_a + "; sessionid2=" + id_a + "; xsessionid=1"}});
        auto lookup = cookie_to_load(fields, config);
        CHECK_FALSE(lookup);
        CHECK(values_of(fields, "Cookie") ==
              Strings{"SessionId=" + id_a + "; sessionid2=" + id_a + "; xsessionid=1"});
    }
    SECTION("no Cookie header: none is added") {
        auto fields = make_fields({{"Host", "app.example"}});
        auto lookup = cookie_to_load(fields, config);
        CHECK_FALSE(lookup);
        CHECK(all_of(fields) == Fields{{"Host", "app.example"}});
    }
}

TEST_CASE("the session cookie uses the configured cookie name", "[session_headers]") {
    auto config = make_config();
    config.cookie.name = "__Host-sid";
    auto fields = make_fields({{"Cookie", "sessionid=" + id_b + "; __Host-sid=" + id_a}});
    auto lookup = cookie_to_load(fields, config);
    CHECK(lookup == id_a);
    CHECK(values_of(fields, "Cookie") == Strings{"sessionid=" + id_b});
}

TEST_CASE("the session cookie with strip_session_cookie off leaves the Cookie headers as sent",
          "[session_headers]") {
    auto config = make_config();
    config.strip_session_cookie = false;
    const Fields sent = {
        {"Cookie", "a=1; sessionid=" + id_a},
        {"Host", "app.example"},
        {"Cookie", "b=2"},
    };
    auto fields = make_fields(sent);
    const auto before = all_of(fields);
    auto lookup = cookie_to_load(fields, config);
    CHECK(lookup == id_a);
    CHECK(all_of(fields) == before);
    CHECK(values_of(fields, "Cookie") == Strings{"a=1; sessionid=" + id_a, "b=2"});
}

// -- take_control_headers --------------------------------------------------------

TEST_CASE("take_control_headers removes and parses every control header", "[session_headers]") {
    auto fields = make_fields({
        {"Content-Type", "text/html"},
        {"X-Session-Update", R"({"a":1})"},
        {"Set-Cookie", "theme=dark"},
        {"x-session-update", R"({"b":null,"c":[1,2]})"},
        {"X-SESSION-ACTION", "cycle"},
        {"X-Session-Expiry", "300"},
        {"Content-Length", "5"},
    });
    auto control = take_and_parse(fields, "X-Session");
    CHECK(all_of(fields) == Fields{
                                {"Content-Type", "text/html"},
                                {"Set-Cookie", "theme=dark"},
                                {"Content-Length", "5"},
                            });
    CHECK(control.errors.empty());
    CHECK(control.any());
    CHECK(control.action == session::SessionAction::Cycle);
    REQUIRE(control.patches.size() == 2);
    CHECK(control.patches[0] == json_object(R"({"a":1})"));
    CHECK(control.patches[1] == json_object(R"({"b":null,"c":[1,2]})"));
    REQUIRE(control.expiry);
    CHECK(control.expiry->kind == session::ExpirySetting::Kind::Seconds);
    CHECK(control.expiry->seconds == 300);
}

TEST_CASE("take_control_headers reads each action and expiry form", "[session_headers]") {
    SECTION("flush and browser-session expiry") {
        auto fields = make_fields({{"X-Session-Action", "flush"}, {"X-Session-Expiry", "0"}});
        auto control = take_and_parse(fields, "X-Session");
        CHECK(fields.begin() == fields.end());
        CHECK(control.action == session::SessionAction::Flush);
        REQUIRE(control.expiry);
        CHECK(control.expiry->kind == session::ExpirySetting::Kind::BrowserSession);
    }
    SECTION("clear and default expiry") {
        auto fields = make_fields({{"X-Session-Action", " Clear "}, {"X-Session-Expiry", "default"}});
        auto control = take_and_parse(fields, "X-Session");
        CHECK(fields.begin() == fields.end());
        CHECK(control.action == session::SessionAction::Clear);
        REQUIRE(control.expiry);
        CHECK(control.expiry->kind == session::ExpirySetting::Kind::Default);
    }
}

TEST_CASE("take_control_headers strips echoed request headers without acting on them", "[session_headers]") {
    auto fields = make_fields({
        {"X-Session", "{}"},
        {"X-Session-Id", "abc"},
        {"X-Session-State", "active"},
        {"X-Session-Expires", "1700000000"},
        {"Vary", "Accept"},
    });
    auto control = take_and_parse(fields, "X-Session");
    CHECK(all_of(fields) == Fields{{"Vary", "Accept"}});
    CHECK_FALSE(control.any());
    CHECK(control.errors.empty());
}

TEST_CASE("take_control_headers removes malformed and unknown control headers", "[session_headers]") {
    auto fields = make_fields({
        {"X-Session-Update", "not json"},
        {"X-Session-Update", "[1,2]"},
        {"X-Session-Action", "logout"},
        {"X-Session-Expiry", "-5"},
        {"X-Session-Frobnicate", "1"},
        {"X-Sessions-Count", "3"},
        {"Server", "app"},
    });
    auto control = take_and_parse(fields, "X-Session");
    CHECK(all_of(fields) == Fields{{"Server", "app"}});
    CHECK(control.errors.size() == 4);
    CHECK(control.unknown == std::vector<std::string>{"X-Session-Frobnicate", "X-Sessions-Count"});
    CHECK_FALSE(control.any());
}

TEST_CASE("take_control_headers without control headers changes nothing", "[session_headers]") {
    const Fields sent = {{"Content-Type", "text/plain"}, {"X-Other-Session-Update", "{}"}, {"Vary", "Cookie"}};
    auto fields = make_fields(sent);
    auto control = take_and_parse(fields, "X-Session");
    CHECK(all_of(fields) == sent);
    CHECK_FALSE(control.any());
    CHECK(control.errors.empty());
}

TEST_CASE("take_control_headers follows the given prefix", "[session_headers]") {
    auto fields = make_fields({{"X-Gate-Action", "flush"}, {"X-Session-Action", "cycle"}});
    auto control = take_and_parse(fields, "X-Gate");
    CHECK(control.action == session::SessionAction::Flush);
    CHECK(control.errors.empty());
    CHECK(all_of(fields) == Fields{{"X-Session-Action", "cycle"}});
}

// -- add_session_response_headers ------------------------------------------------

namespace {

// How many Vary list items, over all Vary headers, name Cookie.
int vary_cookie_count(const http::fields& fields) {
    int n = 0;
    for (const auto& value : values_of(fields, "Vary"))
        for (auto item : http::token_list{value})
            if (boost::beast::iequals(item, "cookie")) ++n;
    return n;
}

const std::string cookie_a = "sessionid=" + id_a + "; HttpOnly; Path=/; SameSite=Lax";

}  // namespace

TEST_CASE("add_session_response_headers adds Vary: Cookie once", "[session_headers]") {
    struct Case {
        std::string name;
        Strings vary;      // as sent by the upstream
        Strings expected;  // afterwards
    };
    const std::vector<Case> cases = {
        {"no Vary", {}, {"Cookie"}},
        {"Vary without Cookie", {"Accept-Encoding"}, {"Accept-Encoding", "Cookie"}},
        {"Vary list with Cookie", {"Accept-Encoding, Cookie"}, {"Accept-Encoding, Cookie"}},
        {"Vary with cookie in lower case", {"cookie"}, {"cookie"}},
        {"Cookie in a second Vary header", {"Accept", "Cookie"}, {"Accept", "Cookie"}},
        {"Vary: *", {"*"}, {"*"}},
        {"Vary list with *", {"Accept, *"}, {"Accept, *"}},
        {"Cookies is not Cookie", {"Cookies"}, {"Cookies", "Cookie"}},
    };
    auto with_cookies = GENERATE(false, true);
    for (const auto& c : cases) {
        DYNAMIC_SECTION(c.name << (with_cookies ? ", setting a cookie" : ", no cookie")) {
            http::fields fields;
            for (const auto& value : c.vary) fields.insert(http::field::vary, value);
            add_session_response_headers(fields, setting(with_cookies ? Strings{cookie_a} : Strings{}));
            CHECK(values_of(fields, "Vary") == c.expected);
        }
    }
}

TEST_CASE("add_session_response_headers applied twice still has one Vary: Cookie", "[session_headers]") {
    http::fields fields;
    add_session_response_headers(fields, setting({}));
    add_session_response_headers(fields, setting({}));
    CHECK(vary_cookie_count(fields) == 1);
    CHECK(values_of(fields, "Vary") == Strings{"Cookie"});
}

TEST_CASE("add_session_response_headers without cookies adds only Vary", "[session_headers]") {
    auto fields = make_fields({{"Content-Type", "text/html"}, {"Cache-Control", "public, max-age=600"}});
    add_session_response_headers(fields, setting({}));
    CHECK(all_of(fields) == Fields{
                                {"Content-Type", "text/html"},
                                {"Cache-Control", "public, max-age=600"},
                                {"Vary", "Cookie"},
                            });
}

TEST_CASE("add_session_response_headers adds each Set-Cookie after the upstream's", "[session_headers]") {
    const std::string deletion = R"(sessionid=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/)";
    auto fields = make_fields({{"Set-Cookie", "theme=dark; Path=/"}, {"Cache-Control", "no-store"}});
    add_session_response_headers(fields, setting({deletion, cookie_a}));
    CHECK(values_of(fields, "Set-Cookie") == Strings{"theme=dark; Path=/", deletion, cookie_a});
}

TEST_CASE("add_session_response_headers keeps shared caches away from a cookie", "[session_headers]") {
    struct Case {
        std::string name;
        Strings sent;      // Cache-Control headers from the upstream
        Strings expected;  // afterwards
    };
    const std::vector<Case> cases = {
        {"no Cache-Control", {}, {"private"}},
        {"public gives way to private", {"public, max-age=600"}, {"private, max-age=600"}},
        {"public alone, any case", {"Public"}, {"private"}},
        {"max-age only", {"max-age=60"}, {"private, max-age=60"}},
        {"no-cache", {"no-cache"}, {"private, no-cache"}},
        {"several headers joined", {"max-age=60", "must-revalidate"}, {"private, max-age=60, must-revalidate"}},
        {"already private", {"private"}, {"private"}},
        {"already private, any case", {"Private, max-age=0"}, {"Private, max-age=0"}},
        {"private further down a list", {"max-age=60, private"}, {"max-age=60, private"}},
        {"private in a second header", {"max-age=60", "private"}, {"max-age=60", "private"}},
        {"no-store", {"no-store"}, {"no-store"}},
        {"no-store in a list", {"no-cache, no-store, must-revalidate"}, {"no-cache, no-store, must-revalidate"}},
        {"no-store in upper case", {"NO-STORE"}, {"NO-STORE"}},
        {"private only inside a quoted argument",
         {R"(no-cache="private, no-store")"},
         {R"(private, no-cache="private, no-store")"}},
    };
    for (const auto& c : cases) {
        DYNAMIC_SECTION(c.name) {
            http::fields fields;
            for (const auto& value : c.sent) fields.insert(http::field::cache_control, value);
            add_session_response_headers(fields, setting({cookie_a}));
            CHECK(values_of(fields, "Cache-Control") == c.expected);
            CHECK(values_of(fields, "Set-Cookie") == Strings{cookie_a});
            CHECK(vary_cookie_count(fields) == 1);
        }
    }
}

// -- the heads as the step reads them ---------------------------------------------

TEST_CASE("session_request_head: Cookie headers, and X-Forwarded-Proto from a trusted peer only",
          "[session_headers]") {
    const auto fields = make_fields({{"Cookie", "a=1"},
                                     {"X-Forwarded-Proto", "https"},
                                     {"cookie", "sessionid=" + id_a},
                                     {"X-Forwarded-Proto", "http"}});
    auto head = session_request_head(fields, "GET", "/path", false, true);
    CHECK(head.path == "/path");
    CHECK(head.cookie_headers == std::vector<std::string_view>{"a=1", "sessionid=" + id_a});
    CHECK(head.trusted_forwarded_proto == "https");
    CHECK_FALSE(head.tls);
    head = session_request_head(fields, "GET", "/path", true, false);
    CHECK(head.trusted_forwarded_proto.empty());
    CHECK(head.tls);
}

TEST_CASE("session_response_head and drop_set_cookies", "[session_headers]") {
    auto fields = make_fields({{"Set-Cookie", "a=1"},
                               {"Content-Type", "text/html"},
                               {"set-cookie", "sessionid=x"},
                               {"Set-Cookie", "b=2"}});
    const std::vector<std::pair<std::string, std::string>> control = {{"X-Session-Update", "{}"}};
    const auto head = session_response_head(fields, 201, control);
    CHECK(head.status == 201);
    CHECK(head.set_cookies == std::vector<std::string_view>{"a=1", "sessionid=x", "b=2"});
    REQUIRE(head.control_headers.size() == 1);
    CHECK(head.control_headers[0].first == "X-Session-Update");

    drop_set_cookies(fields, {1});
    CHECK(values_of(fields, "Set-Cookie") == Strings{"a=1", "b=2"});
    CHECK(values_of(fields, "Content-Type") == Strings{"text/html"});
    drop_set_cookies(fields, {});
    CHECK(values_of(fields, "Set-Cookie") == Strings{"a=1", "b=2"});
    drop_set_cookies(fields, {0, 1});
    CHECK(values_of(fields, "Set-Cookie").empty());
}

TEST_CASE("add_session_response_headers on a route without sessions adds nothing", "[session_headers]") {
    const Fields sent = {{"Cache-Control", "public"}, {"Content-Type", "text/css"}};
    auto fields = make_fields(sent);
    add_session_response_headers(fields, session::ResponseDecision{});
    CHECK(all_of(fields) == sent);
}
