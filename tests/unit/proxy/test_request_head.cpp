#include "proxy/request_head.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <string_view>
#include <vector>

using namespace sessiongate::proxy;
using namespace std::string_literals;

namespace {

struct HeadCase {
    std::string name;
    std::string head;      // request line to the blank line inclusive
    unsigned status = 0;   // 0: accepted
};

// A GET head for HTTP/1.1 with Host, plus `fields` (each ending in CRLF).
std::string get_with(const std::string& fields) {
    return "GET / HTTP/1.1\r\nHost: example.com\r\n" + fields + "\r\n";
}

// A POST head for HTTP/1.1 with Host, plus `fields` (each ending in CRLF).
std::string post_with(const std::string& fields) {
    return "POST /submit HTTP/1.1\r\nHost: example.com\r\n" + fields + "\r\n";
}

std::string request_line(const std::string& line) {
    return line + "\r\nHost: example.com\r\n\r\n";
}

void check_cases(const std::vector<HeadCase>& cases) {
    for (const auto& c : cases) {
        DYNAMIC_SECTION(c.name) {
            const auto verdict = check_request_head(c.head);
            CHECK(verdict.status == c.status);
            CHECK(verdict.ok() == (c.status == 0));
            if (c.status != 0) CHECK_FALSE(verdict.reason.empty());
        }
    }
}

}  // namespace

// -- find_head_end -------------------------------------------------------------

TEST_CASE("find_head_end finds the blank line that ends a head", "[request_head]") {
    const std::string head = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";

    SECTION("a complete head is its whole length") {
        auto end = find_head_end(head);
        REQUIRE(end);
        CHECK(end->length == head.size());
        CHECK_FALSE(end->malformed);
    }
    SECTION("body bytes after the head are not part of it") {
        const std::string data = "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\nbody";
        auto end = find_head_end(data);
        REQUIRE(end);
        CHECK(end->length == data.size() - 4);
        CHECK_FALSE(end->malformed);
    }
    SECTION("only the first of two pipelined heads") {
        auto end = find_head_end(head + head);
        REQUIRE(end);
        CHECK(end->length == head.size());
    }
    SECTION("a bare request line ended by the blank line") {
        auto end = find_head_end("GET / HTTP/1.0\r\n\r\n");
        REQUIRE(end);
        CHECK(end->length == 18);
        CHECK_FALSE(end->malformed);
    }
}

TEST_CASE("find_head_end asks for more bytes until the head is complete", "[request_head]") {
    const std::string head = "GET / HTTP/1.1\r\nHost: a\r\nAccept: */*\r\n\r\n";
    CHECK_FALSE(find_head_end(""));
    for (std::size_t n = 0; n < head.size(); ++n) {
        INFO("first " << n << " bytes");
        CHECK_FALSE(find_head_end(std::string_view(head).substr(0, n)));
    }
}

TEST_CASE("find_head_end resumes from where the previous scan stopped", "[request_head]") {
    const std::string head = "GET / HTTP/1.1\r\nHost: a\r\nAccept: */*\r\n\r\n";
    // Whatever prefix arrived first, a scan of the grown buffer from the end
    // of that prefix still finds the end, including a CRLF CRLF split by it.
    for (std::size_t from = 0; from < head.size(); ++from) {
        INFO("previous scan stopped at " << from);
        auto end = find_head_end(head, from);
        REQUIRE(end);
        CHECK(end->length == head.size());
        CHECK_FALSE(end->malformed);
    }
}

TEST_CASE("find_head_end reports a bare LF as malformed without waiting", "[request_head]") {
    struct Case {
        std::string name;
        std::string data;
        std::size_t length;  // up to and including the bare LF
    };
    const std::vector<Case> cases = {
        {"LF ending the request line", "GET / HTTP/1.1\nHost: a\r\n\r\n", 15},
        {"LF ending a header line", "GET / HTTP/1.1\r\nHost: a\n\r\n", 24},
        {"LF LF as the blank line", "GET / HTTP/1.1\nHost: a\n\n", 15},
        {"LF as the first byte", "\nGET / HTTP/1.1\r\n\r\n", 1},
        {"LF inside a value, head incomplete", "GET / HTTP/1.1\r\nX-A: a\nb", 23},
    };
    for (const auto& c : cases) {
        DYNAMIC_SECTION(c.name) {
            auto end = find_head_end(c.data);
            REQUIRE(end);
            CHECK(end->malformed);
            CHECK(end->length == c.length);
        }
    }
}

TEST_CASE("leading_empty_lines counts only whole CRLF pairs", "[request_head]") {
    struct Case {
        std::string data;
        std::size_t expected;
    };
    const std::vector<Case> cases = {
        {"", 0},
        {"GET / HTTP/1.1\r\n", 0},
        {"\r\n", 2},
        {"\r\nGET / HTTP/1.1\r\n", 2},
        {"\r\n\r\n\r\nGET", 6},
        {"\r", 0},
        {"\r\n\r", 2},
        {"\n", 0},
        {"\n\r\n", 0},
        {"\r\n\n", 2},
        {" \r\n", 0},
    };
    for (const auto& c : cases) {
        CAPTURE(c.data);
        CHECK(leading_empty_lines(c.data) == c.expected);
    }
}

// -- check_request_head: accepted ---------------------------------------------

TEST_CASE("check_request_head accepts well-formed heads", "[request_head]") {
    check_cases({
        {"plain GET", "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n", 0},
        {"GET with query and several fields",
         "GET /a/b?c=d&e=f HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\nUser-Agent: curl/8.0\r\n\r\n", 0},
        {"absolute-form target", "GET http://example.com:8080/x?y HTTP/1.1\r\nHost: example.com:8080\r\n\r\n", 0},
        {"asterisk-form OPTIONS", "OPTIONS * HTTP/1.1\r\nHost: example.com\r\n\r\n", 0},
        {"authority-form CONNECT", "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", 0},
        {"POST with Content-Length",
         post_with("Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 11\r\n"), 0},
        {"POST with Content-Length 0", post_with("Content-Length: 0\r\n"), 0},
        {"POST chunked", post_with("Transfer-Encoding: chunked\r\n"), 0},
        {"Transfer-Encoding chunked in another case", post_with("transfer-encoding: Chunked\r\n"), 0},
        {"Transfer-Encoding chunked with OWS", post_with("Transfer-Encoding:   chunked \t\r\n"), 0},
        {"identical Content-Length list 5, 5", post_with("Content-Length: 5, 5\r\n"), 0},
        {"identical Content-Length list without spaces", post_with("Content-Length: 5,5,5\r\n"), 0},
        {"two identical Content-Length fields", post_with("Content-Length: 5\r\ncontent-length: 5\r\n"), 0},
        {"Content-Length of 18 digits", post_with("Content-Length: 999999999999999999\r\n"), 0},
        {"Content-Length with leading zeros", post_with("Content-Length: 007\r\n"), 0},
        {"HTTP/1.0 without Host", "GET / HTTP/1.0\r\n\r\n", 0},
        {"HTTP/1.0 with Host", "GET / HTTP/1.0\r\nHost: example.com\r\n\r\n", 0},
        {"HTTP/1.0 with Content-Length", "POST / HTTP/1.0\r\nContent-Length: 3\r\n\r\n", 0},
        {"Host name in any case", "GET / HTTP/1.1\r\nhOST: example.com\r\n\r\n", 0},
        {"empty Host value with an origin-form target", "GET / HTTP/1.1\r\nHost:\r\n\r\n", 400},
        {"empty Host value of only spaces", "GET / HTTP/1.1\r\nHost:   \r\n\r\n", 400},
        {"empty Host value with asterisk-form", "OPTIONS * HTTP/1.1\r\nHost:\r\n\r\n", 400},
        {"empty Host value in HTTP/1.0", "GET / HTTP/1.0\r\nHost:\r\n\r\n", 400},
        {"empty Host value with absolute-form", "GET http://example.com/ HTTP/1.1\r\nHost:\r\n\r\n", 0},
        {"IPv6 literal Host with port", "GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n", 0},
        {"Host with a space", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400},
        {"Host with a slash", "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", 400},
        {"Host with userinfo", "GET / HTTP/1.1\r\nHost: user@a\r\n\r\n", 400},
        {"fragment in the target", "GET /a#frag HTTP/1.1\r\nHost: a\r\n\r\n", 400},
        {"tab inside a value", get_with("X-Note: a\tb\r\n"), 0},
        {"obs-text inside a value", get_with("X-Note: caf\xc3\xa9 \xff\x80\r\n"), 0},
        {"no space after the colon", get_with("X-Note:value\r\n"), 0},
        {"OWS around a value", get_with("X-Note: \t value \t\r\n"), 0},
        {"empty value", get_with("X-Empty:\r\n"), 0},
        {"colon inside a value", get_with("Referer: http://a.example:80/x\r\n"), 0},
        {"every tchar in a name", get_with("X-!#$%&'*+-.^_`|~09az: v\r\n"), 0},
        {"extension method", "PROPFIND /dav HTTP/1.1\r\nHost: example.com\r\n\r\n", 0},
    });
}

// -- check_request_head: framing ----------------------------------------------

TEST_CASE("check_request_head rejects ambiguous message framing", "[request_head]") {
    check_cases({
        {"Content-Length and Transfer-Encoding",
         post_with("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n"), 400},
        {"Transfer-Encoding and Content-Length",
         post_with("Transfer-Encoding: chunked\r\nContent-Length: 5\r\n"), 400},
        {"two differing Content-Length fields", post_with("Content-Length: 5\r\nContent-Length: 6\r\n"), 400},
        {"differing Content-Length list", post_with("Content-Length: 5, 6\r\n"), 400},
        {"list then differing field", post_with("Content-Length: 5, 5\r\nContent-Length: 7\r\n"), 400},
        {"Content-Length with plus sign", post_with("Content-Length: +5\r\n"), 400},
        {"Content-Length with minus sign", post_with("Content-Length: -5\r\n"), 400},
        {"Content-Length with a space inside", post_with("Content-Length: 1 2\r\n"), 400},
        {"Content-Length in hex", post_with("Content-Length: 0x10\r\n"), 400},
        {"Content-Length with hex digits", post_with("Content-Length: 1a\r\n"), 400},
        {"Content-Length with a fraction", post_with("Content-Length: 5.0\r\n"), 400},
        {"Content-Length of 19 digits", post_with("Content-Length: 1234567890123456789\r\n"), 400},
        {"Content-Length beyond 64 bits", post_with("Content-Length: 99999999999999999999999\r\n"), 400},
        {"empty Content-Length", post_with("Content-Length:\r\n"), 400},
        {"Content-Length list with an empty item", post_with("Content-Length: 5,,5\r\n"), 400},
        {"Content-Length list with a trailing comma", post_with("Content-Length: 5,\r\n"), 400},
        {"Transfer-Encoding chunked, chunked", post_with("Transfer-Encoding: chunked, chunked\r\n"), 400},
        {"Transfer-Encoding chunked in two fields",
         post_with("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n"), 400},
        {"Transfer-Encoding gzip, chunked", post_with("Transfer-Encoding: gzip, chunked\r\n"), 400},
        {"Transfer-Encoding gzip then chunked in two fields",
         post_with("Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n"), 400},
        {"Transfer-Encoding identity", post_with("Transfer-Encoding: identity\r\n"), 400},
        {"Transfer-Encoding chunked, gzip", post_with("Transfer-Encoding: chunked, gzip\r\n"), 400},
        {"Transfer-Encoding chunked with a parameter", post_with("Transfer-Encoding: chunked;q=1\r\n"), 400},
        {"Transfer-Encoding misspelt", post_with("Transfer-Encoding: xchunked\r\n"), 400},
        {"empty Transfer-Encoding", post_with("Transfer-Encoding:\r\n"), 400},
        {"Transfer-Encoding in HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400},
        {"space before the colon of Transfer-Encoding", post_with("Transfer-Encoding : chunked\r\n"), 400},
        // An upstream that reads '_' as '-' (CGI, WSGI) would frame by these.
        {"Transfer_Encoding", post_with("Transfer_Encoding: chunked\r\nContent-Length: 5\r\n"), 400},
        {"Content_Length", post_with("content_length: 36\r\n"), 400},
        {"Content_Length beside Content-Length", post_with("Content-Length: 5\r\nContent_Length: 36\r\n"), 400},
        {"other names with '_'", get_with("Content_Type: a\r\nTransfer_Encoding_: b\r\n_Content-Length: 1\r\n"), 0},
        {"space before the colon of Content-Length", post_with("Content-Length : 5\r\n"), 400},
        {"tab before the colon", post_with("Transfer-Encoding\t: chunked\r\n"), 400},
    });
}

// -- check_request_head: field lines ------------------------------------------

TEST_CASE("check_request_head rejects malformed field lines", "[request_head]") {
    check_cases({
        {"space inside a name", get_with("X Note: a\r\n"), 400},
        {"leading space on the first field (obs-fold)", "GET / HTTP/1.1\r\n Host: example.com\r\n\r\n", 400},
        {"obs-fold continued with SP", get_with("X-Note: a\r\n b\r\n"), 400},
        {"obs-fold continued with HTAB", get_with("X-Note: a\r\n\tb\r\n"), 400},
        {"obs-fold of Transfer-Encoding",
         "POST / HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding:\r\n chunked\r\n\r\n", 400},
        {"parenthesis in a name", get_with("X(Note): a\r\n"), 400},
        {"at sign in a name", get_with("X@Note: a\r\n"), 400},
        {"slash in a name", get_with("X/Note: a\r\n"), 400},
        {"double quote in a name", get_with("X\"Note: a\r\n"), 400},
        {"obs-text in a name", get_with("X-Caf\xc3\xa9: a\r\n"), 400},
        {"empty name", get_with(": a\r\n"), 400},
        {"line without colon", get_with("X-Note\r\n"), 400},
        {"pseudo-header name", get_with(":authority: example.com\r\n"), 400},
        {"bare CR inside a value", get_with("X-Note: a\rb\r\n"), 400},
        {"bare CR before CRLF", get_with("X-Note: a\r\r\n"), 400},
        {"bare CR inside a name", get_with("X-No\rte: a\r\n"), 400},
        {"bare LF inside a value", get_with("X-Note: a\nb\r\n"), 400},
        {"bare LF ending a field", "GET / HTTP/1.1\r\nHost: example.com\nX-Note: a\r\n\r\n", 400},
        {"bare LF ending the request line", "GET / HTTP/1.1\nHost: example.com\r\n\r\n", 400},
        {"NUL inside a name", get_with("X-No\0te: a\r\n"s), 400},
        {"NUL inside a value", get_with("X-Note: a\0b\r\n"s), 400},
        {"NUL ending a value", get_with("X-Note: a\0\r\n"s), 400},
        {"DEL inside a value", get_with("X-Note: a\x7f" "b\r\n"), 400},
        {"DEL inside a name", get_with("X-No\x7fte: a\r\n"), 400},
        {"SOH inside a value", get_with("X-Note: a\x01" "b\r\n"), 400},
        {"ESC inside a value", get_with("X-Note: \x1b[31mred\r\n"), 400},
        {"VT inside a value", get_with("X-Note: a\vb\r\n"), 400},
        // Found by tests/fuzz/fuzz_request_head: Beast refuses a Connection
        // that is no token list, so the check must too.
        {"Connection tokens without a comma", get_with("Connection: close m\r\n"), 400},
        {"Connection with a separator", get_with("Connection: keep-alive; x\r\n"), 400},
        {"Proxy-Connection that is no token list", get_with("Proxy-Connection: a b\r\n"), 400},
        {"Connection list with empty items", get_with("Connection: , close,,Upgrade ,\r\n"), 0},
        {"empty Connection", get_with("Connection:\r\n"), 0},
        {"FF inside a value", get_with("X-Note: a\fb\r\n"), 400},
        {"unit separator inside a value", get_with("X-Note: a\x1f" "b\r\n"), 400},
        {"control byte in the Host value", "GET / HTTP/1.1\r\nHost: exa\x01mple.com\r\n\r\n", 400},
    });
}

TEST_CASE("check_request_head requires exactly one Host in HTTP/1.1", "[request_head]") {
    check_cases({
        {"HTTP/1.1 without Host", "GET / HTTP/1.1\r\nAccept: */*\r\n\r\n", 400},
        {"HTTP/1.1 with nothing but the request line", "GET / HTTP/1.1\r\n\r\n", 400},
        {"HTTP/1.1 with two differing Hosts", "GET / HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\n\r\n", 400},
        {"HTTP/1.1 with two identical Hosts", "GET / HTTP/1.1\r\nHost: a.example\r\nhost: a.example\r\n\r\n", 400},
        {"HTTP/1.0 with two Hosts", "GET / HTTP/1.0\r\nHost: a.example\r\nHost: b.example\r\n\r\n", 400},
        {"Host-like name is not Host", "GET / HTTP/1.1\r\nX-Host: a.example\r\n\r\n", 400},
    });
}

// -- check_request_head: request line -----------------------------------------

TEST_CASE("check_request_head checks the request line", "[request_head]") {
    check_cases({
        {"HTTP/2.0", request_line("GET / HTTP/2.0"), 505},
        {"HTTP/3", request_line("GET / HTTP/3"), 505},
        {"HTTP/0.9", request_line("GET / HTTP/0.9"), 505},
        {"trailing space after the version", request_line("GET / HTTP/1.1 "), 400},
        {"two spaces after the method", request_line("GET  / HTTP/1.1"), 400},
        {"two spaces before the version", request_line("GET /  HTTP/1.1"), 400},
        {"leading space", request_line(" GET / HTTP/1.1"), 400},
        {"tab as separator", request_line("GET\t/ HTTP/1.1"), 400},
        {"lower-case version", request_line("GET / http/1.1"), 400},
        {"not HTTP at all", request_line("GET / FTP/1.1"), 400},
        {"missing version", request_line("GET /"), 400},
        {"empty version", request_line("GET / "), 400},
        {"method only", request_line("GET"), 400},
        {"empty method", request_line(" / HTTP/1.1"), 400},
        {"non-token method", request_line("GE(T / HTTP/1.1"), 400},
        {"method with a colon", request_line("GET: / HTTP/1.1"), 400},
        {"space inside the target", request_line("GET /a b HTTP/1.1"), 400},
        {"tab inside the target", request_line("GET /a\tb HTTP/1.1"), 400},
        {"control byte inside the target", request_line("GET /a\x01" "b HTTP/1.1"), 400},
        {"DEL inside the target", request_line("GET /a\x7f" "b HTTP/1.1"), 400},
        {"NUL inside the target", request_line("GET /a\0b HTTP/1.1"s), 400},
        {"obs-text inside the target", request_line("GET /caf\xc3\xa9 HTTP/1.1"), 400},
        {"bare CR inside the target", request_line("GET /a\rb HTTP/1.1"), 400},
        {"empty request line", "\r\nHost: example.com\r\n\r\n", 400},
    });
}

// RFC 9112 section 3: an invalid request-line gets 400; 505 is for a
// well-formed version the server does not support.
TEST_CASE("check_request_head answers 400, not 505, to a malformed HTTP/ version",
          "[request_head]") {
    check_cases({
        {"HTTP/ without numbers", request_line("GET / HTTP/"), 400},
        {"letters after HTTP/", request_line("GET / HTTP/x.y"), 400},
        {"junk after a valid version", request_line("GET / HTTP/1.1x"), 400},
        {"tab after the version", request_line("GET / HTTP/1.1\t"), 400},
    });
}

// -- to_origin_form ------------------------------------------------------------

TEST_CASE("to_origin_form: absolute-form targets sent on in origin-form", "[request_head]") {
    std::string authority;
    CHECK(to_origin_form("http://example.com/a/b?c=d", authority) == "/a/b?c=d");
    CHECK(authority == "example.com");
    CHECK(to_origin_form("HTTPS://example.com:8443", authority) == "/");
    CHECK(authority == "example.com:8443");
    CHECK(to_origin_form("http://example.com?q=1", authority) == "/?q=1");
    CHECK(authority == "example.com");
}

TEST_CASE("to_origin_form: anything else is refused (empty)", "[request_head]") {
    std::string authority;
    CHECK(to_origin_form("ftp://example.com/", authority).empty());
    CHECK(to_origin_form("http:///path", authority).empty());
    CHECK(to_origin_form("http://user@example.com/", authority).empty());
    CHECK(to_origin_form("example.com:443", authority).empty());
}
