#include "proxy/head_writer.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace sessiongate::proxy;

TEST_CASE("write_request_head: request line, fields in order, blank line", "[head_writer]") {
    http::fields fields;
    fields.insert(http::field::host, "example.com");
    fields.insert("X-Dup", "1");
    fields.insert("X-Dup", "2");
    fields.insert(http::field::content_length, "5");
    std::string out = "kept:";
    write_request_head(out, "POST", "/a?b=c", fields);
    CHECK(out ==
          "kept:POST /a?b=c HTTP/1.1\r\nHost: example.com\r\nX-Dup: 1\r\nX-Dup: 2\r\nContent-Length: 5\r\n\r\n");
}

TEST_CASE("write_request_head: no fields is a line and the blank line", "[head_writer]") {
    std::string out;
    write_request_head(out, "GET", "/", http::fields{});
    CHECK(out == "GET / HTTP/1.1\r\n\r\n");
}

TEST_CASE("write_response_head: the reason as given, or the standard one", "[head_writer]") {
    http::fields fields;
    fields.insert(http::field::content_type, "text/plain");
    std::string given;
    write_response_head(given, 404, "Nowhere", fields);
    CHECK(given == "HTTP/1.1 404 Nowhere\r\nContent-Type: text/plain\r\n\r\n");
    std::string standard;
    write_response_head(standard, 503, "", fields);
    CHECK(standard == "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\n\r\n");
}

TEST_CASE("frame_body_piece: raw bytes need no framing", "[head_writer]") {
    std::string prefix = "head";
    CHECK(frame_body_piece(prefix, 10, false, false).empty());
    CHECK(frame_body_piece(prefix, 10, false, true).empty());
    CHECK(prefix == "head");
}

TEST_CASE("frame_body_piece: chunked pieces", "[head_writer]") {
    SECTION("a middle piece: size line in hex, CRLF after") {
        std::string prefix;
        CHECK(frame_body_piece(prefix, 255, true, false) == "\r\n");
        CHECK(prefix == "ff\r\n");
    }
    SECTION("the last piece carries the last chunk after it") {
        std::string prefix;
        CHECK(frame_body_piece(prefix, 16, true, true) == "\r\n0\r\n\r\n");
        CHECK(prefix == "10\r\n");
    }
    SECTION("an empty last piece is the last chunk alone") {
        std::string prefix = "HTTP/1.1 200 OK\r\n\r\n";
        CHECK(frame_body_piece(prefix, 0, true, true).empty());
        CHECK(prefix == "HTTP/1.1 200 OK\r\n\r\n0\r\n\r\n");
    }
    SECTION("an empty middle piece writes nothing (never a zero chunk)") {
        std::string prefix;
        CHECK(frame_body_piece(prefix, 0, true, false).empty());
        CHECK(prefix.empty());
    }
}
