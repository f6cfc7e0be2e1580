#include "proxy/chunked_framing.hpp"

#include <catch2/catch.hpp>

#include <string>

using sessiongate::proxy::ChunkedFramingCheck;

namespace {

struct Outcome {
    bool failed;
    bool done;
    std::size_t consumed;
};

// Feeds `body` whole, then again one byte at a time: framing must not depend
// on how the bytes arrive.
Outcome check(const std::string& body) {
    ChunkedFramingCheck whole;
    auto consumed = whole.feed(body);
    ChunkedFramingCheck bytewise;
    std::size_t consumed_bytewise = 0;
    for (char c : body) consumed_bytewise += bytewise.feed(std::string_view(&c, 1));
    REQUIRE(whole.failed() == bytewise.failed());
    REQUIRE(whole.done() == bytewise.done());
    if (!whole.failed()) REQUIRE(consumed == consumed_bytewise);
    return {whole.failed(), whole.done(), consumed};
}

}  // namespace

TEST_CASE("well-formed chunked bodies are accepted and end after the last CRLF", "[chunked]") {
    auto [body, length] = GENERATE(table<std::string, std::size_t>({
        {"0\r\n\r\n", 5},
        {"5\r\nhello\r\n0\r\n\r\n", 15},
        {"5\r\nhello\r\n0\r\n\r\nGET / HTTP/1.1\r\n", 15},
        {"A\r\n0123456789\r\n0\r\n\r\n", 20},
        {"a;name=value\r\n0123456789\r\n0\r\n\r\n", 31},
        {"5;a=\"quoted; \\\"x\\\"\"\r\nhello\r\n0\r\n\r\n", 33},
        {"5;a;b=c\r\nhello\r\n0\r\n\r\n", 21},
        {"000\r\n\r\n", 7},
        {"5\r\nhello\r\n0\r\nTrailer: value\r\n\r\n", 31},
        {"5 ; a = b ;c\r\nhello\r\n0\r\n\r\n", 26},  // BWS around ';' and '=' (RFC 9112 7.1.1)
        {"0\r\nContent-Lengths: 1\r\nX-Connection: 2\r\n\r\n", 42},  // near-miss trailer names
    }));
    CAPTURE(body);
    auto outcome = check(body);
    CHECK_FALSE(outcome.failed);
    CHECK(outcome.done);
    CHECK(outcome.consumed == length);
}

TEST_CASE("incomplete chunked bodies wait for more", "[chunked]") {
    auto body = GENERATE(as<std::string>{}, "", "5", "5\r", "5\r\nhel", "5\r\nhello\r\n", "5\r\nhello\r\n0\r\n",
                         "5;a=\"open");
    CAPTURE(body);
    auto outcome = check(body);
    CHECK_FALSE(outcome.failed);
    CHECK_FALSE(outcome.done);
}

TEST_CASE("ambiguous or malformed chunked framing is refused", "[chunked]") {
    auto body = GENERATE(as<std::string>{},
                         "\r\n",                                 // no size
                         "-5\r\nhello\r\n0\r\n\r\n",             // sign
                         "0x5\r\nhello\r\n0\r\n\r\n",            // prefix
                         "5 \r\nhello\r\n0\r\n\r\n",             // space after size
                         " 5\r\nhello\r\n0\r\n\r\n",             // space before size
                         "5\nhello\r\n0\r\n\r\n",                // bare LF
                         "5\rhello\r\n0\r\n\r\n",                // bare CR
                         "5\r\nhelloX\r\n0\r\n\r\n",             // data longer than size
                         "5\r\nhell\r\n0\r\n\r\n",               // shorter: CRLF expected where data is
                         "1000000000000000\r\n",                 // 16 hex digits: overflow territory
                         "5;a=\"b\r\nhello\r\n0\r\n\r\n",        // quoted extension across lines
                         "5;a\x00b\r\nhello\r\n0\r\n\r\n",       // NUL in extension
                         "5;a=\x01\r\nhello\r\n0\r\n\r\n",       // control byte in extension
                         "5;a\rb\r\nhello\r\n0\r\n\r\n",         // bare CR in extension
                         "5;a=(b)\r\nhello\r\n0\r\n\r\n",        // separators in a token
                         "0\r\n folded: trailer\r\n\r\n",        // obs-fold in trailers
                         "0\r\nTrailer: a\rb\r\n\r\n",           // bare CR in trailer
                         "0\r\n\rX",                             // no LF after the last CR
                         // Found by tests/fuzz/fuzz_chunked_framing: Beast refuses these,
                         // so they must not pass as well-formed.
                         "0;blaong to usar\r\n\r\n",               // spaces inside an extension
                         "5;a=\"x\"y\r\nhello\r\n0\r\n\r\n",        // a token glued to a quoted value
                         "5;a \r\nhello\r\n0\r\n\r\n",               // BWS then the end of the line
                         "0\r\nhello\r\n\r\n",                     // a trailer line without a colon
                         "0\r\nBad Name: v\r\n\r\n",               // a trailer name that is no token
                         "0\r\nName : v\r\n\r\n",                 // space before a trailer's colon
                         "0\r\nX: 1\r\ncontent-length: 5\r\n\r\n",    // framing fields in trailers
                         "0\r\nTransfer-Encoding: chunked\r\n\r\n",
                         "0\r\nConnection: close\r\n\r\n",
                         "0\r\nProxy-Connection: x\r\n\r\n");
    CAPTURE(body);
    CHECK(check(body).failed);
}

TEST_CASE("an endless chunk extension is refused instead of buffered", "[chunked]") {
    ChunkedFramingCheck check;
    check.feed("5;");
    std::string ext(5000, 'a');
    check.feed(ext);
    CHECK(check.failed());
}
