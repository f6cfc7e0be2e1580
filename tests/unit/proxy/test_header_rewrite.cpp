#include "proxy/header_rewrite.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <utility>
#include <vector>

using namespace sessiongate::proxy;

namespace {

using Fields = std::vector<std::pair<std::string, std::string>>;

http::fields make_fields(const Fields& list) {
    http::fields fields;
    for (const auto& [name, value] : list) fields.insert(name, value);
    return fields;
}

std::vector<std::string> values_of(const http::fields& fields, std::string_view name) {
    std::vector<std::string> values;
    for (auto range = fields.equal_range(name); range.first != range.second; ++range.first)
        values.emplace_back(range.first->value());
    return values;
}

std::vector<std::string> names_of(const http::fields& fields) {
    std::vector<std::string> names;
    for (const auto& field : fields) names.emplace_back(field.name_string());
    return names;
}

using Strings = std::vector<std::string>;

}  // namespace

// -- remove_hop_by_hop -----------------------------------------------------------

TEST_CASE("remove_hop_by_hop removes every standard hop-by-hop header", "[header_rewrite]") {
    auto name = GENERATE(as<std::string>{}, "Connection", "Keep-Alive", "Proxy-Connection", "TE", "Trailer",
                         "Transfer-Encoding", "Upgrade", "Proxy-Authorization", "Proxy-Authenticate",
                         "keep-alive", "proxy-connection", "te", "TRAILER", "upgrade");
    CAPTURE(name);
    auto fields = make_fields({{"Host", "example.com"}, {name, "x"}, {name, "y"}, {"Accept", "*/*"}});
    remove_hop_by_hop(fields, false);
    CHECK(fields.count(name) == 0);
    CHECK(values_of(fields, "Host") == Strings{"example.com"});
    CHECK(values_of(fields, "Accept") == Strings{"*/*"});
}

TEST_CASE("remove_hop_by_hop with keep_upgrade removes every other hop-by-hop header", "[header_rewrite]") {
    auto fields = make_fields({
        {"Host", "example.com"},
        {"Connection", "Upgrade, keep-alive"},
        {"Upgrade", "websocket"},
        {"Keep-Alive", "timeout=5"},
        {"Proxy-Connection", "keep-alive"},
        {"TE", "trailers"},
        {"Trailer", "X-Checksum"},
        {"Transfer-Encoding", "chunked"},
        {"Proxy-Authorization", "Basic dTpw"},
        {"Proxy-Authenticate", "Basic"},
        {"Sec-WebSocket-Version", "13"},
    });
    remove_hop_by_hop(fields, true);
    CHECK(names_of(fields) == Strings{"Host", "Sec-WebSocket-Version", "Upgrade", "Connection"});
    CHECK(values_of(fields, "Upgrade") == Strings{"websocket"});
    CHECK(values_of(fields, "Connection") == Strings{"Upgrade"});
}

TEST_CASE("remove_hop_by_hop keeps end-to-end headers in order", "[header_rewrite]") {
    auto fields = make_fields({
        {"Host", "example.com"},
        {"Connection", "keep-alive"},
        {"Content-Type", "text/plain"},
        {"Keep-Alive", "timeout=5"},
        {"Content-Length", "4"},
        {"Cookie", "a=1"},
        {"TE", "trailers"},
        {"Authorization", "Bearer t"},
        {"Proxy-Authorization", "Basic dTpw"},
        {"Cache-Control", "no-cache"},
    });
    remove_hop_by_hop(fields, false);
    CHECK(names_of(fields) ==
          Strings{"Host", "Content-Type", "Content-Length", "Cookie", "Authorization", "Cache-Control"});
}

TEST_CASE("remove_hop_by_hop removes the headers the Connection header names", "[header_rewrite]") {
    SECTION("one Connection header with a list, names in any case") {
        auto fields = make_fields({
            {"Host", "example.com"},
            {"Connection", "close, X-Private, x-trace"},
            {"X-Private", "1"},
            {"X-Trace", "abc"},
            {"x-private", "2"},
            {"X-Other", "kept"},
        });
        remove_hop_by_hop(fields, false);
        CHECK(names_of(fields) == Strings{"Host", "X-Other"});
    }
    SECTION("several Connection headers") {
        auto fields = make_fields({
            {"Connection", "X-A"},
            {"Host", "example.com"},
            {"Connection", "X-B , X-C"},
            {"X-A", "a"},
            {"X-B", "b"},
            {"X-C", "c"},
            {"X-D", "d"},
        });
        remove_hop_by_hop(fields, false);
        CHECK(names_of(fields) == Strings{"Host", "X-D"});
    }
    SECTION("a named header that is not there is no error") {
        auto fields = make_fields({{"Host", "example.com"}, {"Connection", "X-Missing, keep-alive"}});
        remove_hop_by_hop(fields, false);
        CHECK(names_of(fields) == Strings{"Host"});
    }
    SECTION("standard end-to-end headers named by Connection go as well") {
        auto fields = make_fields({
            {"Host", "example.com"},
            {"Connection", "Cookie, Authorization"},
            {"Cookie", "a=1"},
            {"Authorization", "Bearer t"},
            {"Accept", "*/*"},
        });
        remove_hop_by_hop(fields, false);
        CHECK(names_of(fields) == Strings{"Host", "Accept"});
    }
}

TEST_CASE("remove_hop_by_hop never lets Connection remove framing headers or Host", "[header_rewrite]") {
    auto listed = GENERATE(as<std::string>{}, "Content-Length, Host, Transfer-Encoding, X-A",
                           "content-length, HOST, transfer-encoding, x-a", "X-A,Host,Content-Length");
    CAPTURE(listed);
    auto fields = make_fields({
        {"Host", "example.com"},
        {"Content-Length", "12"},
        {"Connection", listed},
        {"X-A", "a"},
    });
    remove_hop_by_hop(fields, false);
    CHECK(values_of(fields, "Host") == Strings{"example.com"});
    CHECK(values_of(fields, "Content-Length") == Strings{"12"});
    CHECK(fields.count("X-A") == 0);
    CHECK(fields.count("Connection") == 0);
}

TEST_CASE("remove_hop_by_hop without keep_upgrade drops a WebSocket handshake's Upgrade", "[header_rewrite]") {
    auto fields = make_fields({
        {"Host", "example.com"},
        {"Connection", "Upgrade"},
        {"Upgrade", "websocket"},
        {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="},
        {"Sec-WebSocket-Version", "13"},
    });
    remove_hop_by_hop(fields, false);
    CHECK(fields.count("Upgrade") == 0);
    CHECK(fields.count("Connection") == 0);
    CHECK(values_of(fields, "Sec-WebSocket-Key") == Strings{"dGhlIHNhbXBsZSBub25jZQ=="});
    CHECK(values_of(fields, "Sec-WebSocket-Version") == Strings{"13"});
}

TEST_CASE("remove_hop_by_hop with keep_upgrade adds nothing when there is no Upgrade", "[header_rewrite]") {
    auto fields = make_fields({{"Host", "example.com"}, {"Connection", "keep-alive"}, {"Keep-Alive", "5"}});
    remove_hop_by_hop(fields, true);
    CHECK(names_of(fields) == Strings{"Host"});
}

// A real handshake names Upgrade in its Connection header (RFC 6455 4.1:
// "Connection: Upgrade"), on the request and on the 101 response alike, so
// the Upgrade value must survive the removal of the names Connection lists.
TEST_CASE("remove_hop_by_hop with keep_upgrade keeps a WebSocket handshake's Upgrade", "[header_rewrite]") {
    auto connection = GENERATE(as<std::string>{}, "Upgrade", "keep-alive, Upgrade", "upgrade");
    CAPTURE(connection);
    auto fields = make_fields({
        {"Host", "example.com"},
        {"Connection", connection},
        {"Upgrade", "websocket"},
        {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="},
        {"Keep-Alive", "timeout=5"},
    });
    remove_hop_by_hop(fields, true);
    CHECK(values_of(fields, "Upgrade") == Strings{"websocket"});
    CHECK(values_of(fields, "Connection") == Strings{"Upgrade"});
    CHECK(fields.count("Keep-Alive") == 0);
    CHECK(values_of(fields, "Sec-WebSocket-Key") == Strings{"dGhlIHNhbXBsZSBub25jZQ=="});
}

// is_websocket_upgrade accepts the websocket offer from any Upgrade header,
// so the headers kept for the upstream must still carry it.
TEST_CASE("remove_hop_by_hop with keep_upgrade keeps a websocket offer from a second Upgrade header",
          "[header_rewrite]") {
    auto fields = make_fields({
        {"Host", "example.com"},
        {"Connection", "Upgrade"},
        {"Upgrade", "h2c"},
        {"Upgrade", "websocket"},
    });
    REQUIRE(is_websocket_upgrade(fields));
    remove_hop_by_hop(fields, true);
    CHECK(is_websocket_upgrade(fields));
    CHECK(values_of(fields, "Upgrade") == Strings{"h2c", "websocket"});
}

// -- is_websocket_upgrade --------------------------------------------------------

TEST_CASE("is_websocket_upgrade needs Connection: upgrade and Upgrade: websocket", "[header_rewrite]") {
    struct Case {
        std::string name;
        Strings connection;
        Strings upgrade;
        bool expected;
    };
    const std::vector<Case> cases = {
        {"canonical handshake", {"Upgrade"}, {"websocket"}, true},
        {"any case", {"uPgRaDe"}, {"WebSocket"}, true},
        {"upgrade in a Connection list", {"keep-alive, Upgrade"}, {"websocket"}, true},
        {"upgrade in the second Connection header", {"keep-alive", "Upgrade"}, {"websocket"}, true},
        {"websocket in an Upgrade list", {"Upgrade"}, {"h2c, websocket"}, true},
        {"websocket in the second Upgrade header", {"Upgrade"}, {"h2c", "websocket"}, true},
        {"OWS around list items", {" keep-alive ,  upgrade "}, {"  websocket "}, true},
        {"Upgrade to another protocol", {"Upgrade"}, {"h2c"}, false},
        {"Connection without upgrade", {"keep-alive"}, {"websocket"}, false},
        {"no Connection header", {}, {"websocket"}, false},
        {"no Upgrade header", {"Upgrade"}, {}, false},
        {"neither header", {}, {}, false},
        {"upgrade only as part of a token", {"Upgraded"}, {"websocket"}, false},
        {"websocket only as part of a token", {"Upgrade"}, {"websockets"}, false},
        {"empty values", {""}, {""}, false},
    };
    for (const auto& c : cases) {
        DYNAMIC_SECTION(c.name) {
            http::fields fields;
            fields.insert(http::field::host, "example.com");
            for (const auto& value : c.connection) fields.insert(http::field::connection, value);
            for (const auto& value : c.upgrade) fields.insert(http::field::upgrade, value);
            CHECK(is_websocket_upgrade(fields) == c.expected);
        }
    }
}

// -- set_forwarded_headers -------------------------------------------------------

TEST_CASE("set_forwarded_headers replaces X-Forwarded-For from an untrusted peer", "[header_rewrite]") {
    SECTION("a client-sent list is dropped") {
        auto fields = make_fields({{"Host", "app.example"}, {"X-Forwarded-For", "1.1.1.1, 2.2.2.2"}});
        set_forwarded_headers(fields, {"203.0.113.7", false, "http"});
        CHECK(values_of(fields, "X-Forwarded-For") == Strings{"203.0.113.7"});
    }
    SECTION("several client-sent headers in any case are dropped") {
        auto fields = make_fields(
            {{"x-forwarded-for", "1.1.1.1"}, {"Host", "app.example"}, {"X-FORWARDED-FOR", "2.2.2.2"}});
        set_forwarded_headers(fields, {"203.0.113.7", false, "http"});
        CHECK(values_of(fields, "X-Forwarded-For") == Strings{"203.0.113.7"});
    }
    SECTION("none sent") {
        auto fields = make_fields({{"Host", "app.example"}});
        set_forwarded_headers(fields, {"2001:db8::7", false, "http"});
        CHECK(values_of(fields, "X-Forwarded-For") == Strings{"2001:db8::7"});
    }
}

TEST_CASE("set_forwarded_headers appends the peer to X-Forwarded-For from a trusted peer", "[header_rewrite]") {
    SECTION("one header with a list") {
        auto fields = make_fields({{"Host", "app.example"}, {"X-Forwarded-For", "1.1.1.1, 2.2.2.2"}});
        set_forwarded_headers(fields, {"10.0.0.2", true, "http"});
        CHECK(values_of(fields, "X-Forwarded-For") == Strings{"1.1.1.1, 2.2.2.2, 10.0.0.2"});
    }
    SECTION("several headers are joined into one, in order") {
        auto fields = make_fields({
            {"X-Forwarded-For", "1.1.1.1"},
            {"Host", "app.example"},
            {"x-forwarded-for", "2.2.2.2, 3.3.3.3"},
        });
        set_forwarded_headers(fields, {"10.0.0.2", true, "http"});
        CHECK(values_of(fields, "X-Forwarded-For") == Strings{"1.1.1.1, 2.2.2.2, 3.3.3.3, 10.0.0.2"});
    }
    SECTION("none sent") {
        auto fields = make_fields({{"Host", "app.example"}});
        set_forwarded_headers(fields, {"10.0.0.2", true, "http"});
        CHECK(values_of(fields, "X-Forwarded-For") == Strings{"10.0.0.2"});
    }
    SECTION("an empty header adds no empty item") {
        auto fields = make_fields({{"Host", "app.example"}, {"X-Forwarded-For", ""}});
        set_forwarded_headers(fields, {"10.0.0.2", true, "http"});
        CHECK(values_of(fields, "X-Forwarded-For") == Strings{"10.0.0.2"});
    }
}

TEST_CASE("set_forwarded_headers sets X-Forwarded-Proto", "[header_rewrite]") {
    SECTION("an untrusted peer's value is replaced") {
        auto fields = make_fields({{"Host", "app.example"}, {"X-Forwarded-Proto", "https"}});
        set_forwarded_headers(fields, {"203.0.113.7", false, "http"});
        CHECK(values_of(fields, "X-Forwarded-Proto") == Strings{"http"});
    }
    SECTION("a trusted peer's value is kept") {
        auto fields = make_fields({{"Host", "app.example"}, {"X-Forwarded-Proto", "https"}});
        set_forwarded_headers(fields, {"10.0.0.2", true, "http"});
        CHECK(values_of(fields, "X-Forwarded-Proto") == Strings{"https"});
    }
    SECTION("ours when a trusted peer sent none") {
        auto fields = make_fields({{"Host", "app.example"}});
        set_forwarded_headers(fields, {"10.0.0.2", true, "https"});
        CHECK(values_of(fields, "X-Forwarded-Proto") == Strings{"https"});
    }
    SECTION("ours when an untrusted peer sent none") {
        auto fields = make_fields({{"Host", "app.example"}});
        set_forwarded_headers(fields, {"203.0.113.7", false, "http"});
        CHECK(values_of(fields, "X-Forwarded-Proto") == Strings{"http"});
    }
}

TEST_CASE("set_forwarded_headers sets X-Forwarded-Host", "[header_rewrite]") {
    SECTION("an untrusted peer's value is replaced by Host") {
        auto fields = make_fields({{"Host", "app.example"}, {"X-Forwarded-Host", "evil.example"}});
        set_forwarded_headers(fields, {"203.0.113.7", false, "http"});
        CHECK(values_of(fields, "X-Forwarded-Host") == Strings{"app.example"});
    }
    SECTION("an untrusted peer's value is removed when there is no Host") {
        auto fields = make_fields({{"X-Forwarded-Host", "evil.example"}});
        set_forwarded_headers(fields, {"203.0.113.7", false, "http"});
        CHECK(fields.count("X-Forwarded-Host") == 0);
    }
    SECTION("a trusted peer's value is kept") {
        auto fields = make_fields({{"Host", "app.internal"}, {"X-Forwarded-Host", "app.example"}});
        set_forwarded_headers(fields, {"10.0.0.2", true, "http"});
        CHECK(values_of(fields, "X-Forwarded-Host") == Strings{"app.example"});
    }
    SECTION("Host when a trusted peer sent none") {
        auto fields = make_fields({{"Host", "app.example:8443"}});
        set_forwarded_headers(fields, {"10.0.0.2", true, "http"});
        CHECK(values_of(fields, "X-Forwarded-Host") == Strings{"app.example:8443"});
    }
    SECTION("none without Host") {
        auto fields = make_fields({});
        set_forwarded_headers(fields, {"203.0.113.7", false, "http"});
        CHECK(fields.count("X-Forwarded-Host") == 0);
    }
}

TEST_CASE("set_forwarded_headers removes Forwarded from an untrusted peer only", "[header_rewrite]") {
    const Fields sent = {
        {"Host", "app.example"},
        {"Forwarded", "for=1.1.1.1;proto=https"},
        {"forwarded", "for=2.2.2.2"},
        {"Accept", "*/*"},
    };
    SECTION("untrusted") {
        auto fields = make_fields(sent);
        set_forwarded_headers(fields, {"203.0.113.7", false, "http"});
        CHECK(fields.count("Forwarded") == 0);
        CHECK(values_of(fields, "Accept") == Strings{"*/*"});
    }
    SECTION("trusted") {
        auto fields = make_fields(sent);
        set_forwarded_headers(fields, {"10.0.0.2", true, "http"});
        CHECK(values_of(fields, "Forwarded") == Strings{"for=1.1.1.1;proto=https", "for=2.2.2.2"});
    }
}

TEST_CASE("set_forwarded_headers leaves exactly one of each X-Forwarded header", "[header_rewrite]") {
    auto trusted = GENERATE(false, true);
    CAPTURE(trusted);
    auto fields = make_fields({
        {"Host", "app.example"},
        {"X-Forwarded-For", "1.1.1.1"},
        {"X-Forwarded-For", "2.2.2.2"},
        {"X-Forwarded-Proto", "https"},
        {"X-Forwarded-Host", "a.example"},
    });
    set_forwarded_headers(fields, {"10.0.0.2", trusted, "http"});
    CHECK(fields.count("X-Forwarded-For") == 1);
    CHECK(fields.count("X-Forwarded-Proto") == 1);
    CHECK(fields.count("X-Forwarded-Host") == 1);
    CHECK(values_of(fields, "Host") == Strings{"app.example"});
}
