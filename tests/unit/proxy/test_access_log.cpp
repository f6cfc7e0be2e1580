#include "proxy/access_log.hpp"

#include <catch2/catch.hpp>

#include <boost/json/serialize.hpp>

using namespace sessiongate::proxy;
using namespace std::chrono_literals;

namespace {

AccessFacts facts() {
    AccessFacts f;
    f.request_id = "b5f1c0de";
    f.client = "203.0.113.7";
    f.method = "POST";
    f.host = "app.example.com";
    f.target = "/login?next=/account&token=secret";
    f.status = 302;
    f.bytes_in = 412;
    f.bytes_out = 198;
    f.duration = 1830us;
    f.upstream = 1410us;
    f.user_agent = "Mozilla/5.0 (X11; Linux x86_64)";
    f.session_handle = "hdl_4n0Nym0us";
    f.session_state = "active";
    f.session_event = "cycled";
    return f;
}

}  // namespace

TEST_CASE("access line: every field from the exchange's facts") {
    auto line = access_line(facts(), false);
    CHECK(line.at("request_id") == "b5f1c0de");
    CHECK(line.at("client") == "203.0.113.7");
    CHECK(line.at("method") == "POST");
    CHECK(line.at("host") == "app.example.com");
    CHECK(line.at("path") == "/login");
    CHECK(line.at("status") == 302);
    CHECK(line.at("bytes_in") == 412);
    CHECK(line.at("bytes_out") == 198);
    CHECK(line.at("duration_us") == 1830);
    CHECK(line.at("upstream_us") == 1410);
    CHECK(line.at("user_agent") == "Mozilla/5.0 (X11; Linux x86_64)");
    CHECK(line.at("session") == "hdl_4n0Nym0us");
    CHECK(line.at("session_state") == "active");
    CHECK(line.at("session_event") == "cycled");
    CHECK_FALSE(line.contains("note"));
    CHECK(line.size() == 14);
}

TEST_CASE("access line: the query string only with log.query") {
    CHECK(access_line(facts(), false).at("path") == "/login");
    CHECK(access_line(facts(), true).at("path") == "/login?next=/account&token=secret");
    CHECK(logged_path("/?", false) == "/");
    CHECK(logged_path("*", false) == "*");
}

TEST_CASE("access line: what did not happen is left out") {
    AccessFacts f;
    f.request_id = "r1";
    f.client = "127.0.0.1";
    f.method = "GET";
    f.target = "/";
    f.status = 400;
    f.note = "malformed request head";
    auto line = access_line(f, false);
    CHECK_FALSE(line.contains("upstream_us"));  // never asked the upstream
    CHECK_FALSE(line.contains("user_agent"));
    CHECK_FALSE(line.contains("session"));
    CHECK_FALSE(line.contains("session_state"));
    CHECK_FALSE(line.contains("session_event"));
    CHECK(line.at("host") == "");
    CHECK(line.at("note") == "malformed request head");
}

TEST_CASE("access line: client-chosen text is bounded and escaped") {
    std::string long_path = "/" + std::string(5000, 'a');
    std::string long_agent(3000, 'u');
    std::string long_host(1000, 'h');
    auto f = facts();
    f.target = long_path;
    f.user_agent = long_agent;
    f.host = long_host;
    auto line = access_line(f, true);
    CHECK(line.at("path").as_string().size() == 2048);
    CHECK(line.at("user_agent").as_string().size() == 512);
    CHECK(line.at("host").as_string().size() == 256);

    f = facts();
    f.user_agent = "evil\"\n{\"status\":200}";
    auto text = boost::json::serialize(access_line(f, false));
    CHECK(text.find('\n') == std::string::npos);  // one line, whatever the client sent
    CHECK(text.find(R"("user_agent":"evil\"\n{\"status\":200}")") != std::string::npos);
}

TEST_CASE("client address: resolved through trusted proxies") {
    TrustedPeers trusted({"10.0.0.0/8", "::1"});
    SECTION("an untrusted peer is the client, whatever it forwards") {
        CHECK(resolve_client("198.51.100.9", false, "1.2.3.4", trusted) == "198.51.100.9");
    }
    SECTION("a trusted peer without X-Forwarded-For is the client") {
        CHECK(resolve_client("10.0.0.2", true, "", trusted) == "10.0.0.2");
    }
    SECTION("the right-most address that is not a trusted proxy") {
        CHECK(resolve_client("10.0.0.2", true, "203.0.113.7", trusted) == "203.0.113.7");
        CHECK(resolve_client("10.0.0.2", true, "6.6.6.6, 203.0.113.7, 10.1.1.1", trusted) == "203.0.113.7");
        CHECK(resolve_client("10.0.0.2", true, "2001:db8::5 ,  10.1.1.1", trusted) == "2001:db8::5");
    }
    SECTION("only trusted proxies: the left-most of them") {
        CHECK(resolve_client("10.0.0.2", true, "10.9.9.9, 10.1.1.1", trusted) == "10.9.9.9");
    }
    SECTION("garbage ends the walk at the hop before it") {
        CHECK(resolve_client("10.0.0.2", true, "203.0.113.7, unknown, 10.1.1.1", trusted) == "10.1.1.1");
        CHECK(resolve_client("10.0.0.2", true, "<script>", trusted) == "10.0.0.2");
        CHECK(resolve_client("10.0.0.2", true, "1.2.3.4:5678", trusted) == "10.0.0.2");
    }
}
