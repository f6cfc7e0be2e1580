// The pure parts of the Redis client: URL, command formatting, reply
// parsing, backoff and the password source.
#include "session/redis/backoff.hpp"
#include "session/redis/client_settings.hpp"
#include "session/redis/command.hpp"
#include "session/redis/reply_reader.hpp"
#include "session/redis/url.hpp"
#include "unit/redis/redis_server.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>

using namespace sessiongate::session::redis;
using Type = Reply::Type;

TEST_CASE("Redis URLs: host, port, database, TLS", "[redis][url]") {
    std::string error;
    auto plain = parse_url("redis://127.0.0.1:6380/3", error);
    REQUIRE(plain);
    CHECK_FALSE(plain->tls);
    CHECK(plain->host == "127.0.0.1");
    CHECK(plain->port == 6380);
    CHECK(plain->database == 3);
    CHECK(plain->url() == "redis://127.0.0.1:6380/3");

    auto defaults = parse_url("rediss://cache.example", error);
    REQUIRE(defaults);
    CHECK(defaults->tls);
    CHECK(defaults->host == "cache.example");
    CHECK(defaults->port == 6379);
    CHECK(defaults->database == 0);
    REQUIRE(parse_url("redis://cache.example/", error));

    auto v6 = parse_url("redis://[::1]:7000/1", error);
    REQUIRE(v6);
    CHECK(v6->host == "::1");
    CHECK(v6->url() == "redis://[::1]:7000/1");
}

TEST_CASE("Redis URLs: what is refused, and why", "[redis][url]") {
    auto refused = [](std::string_view url) {
        std::string error;
        auto parsed = parse_url(url, error);
        CHECK_FALSE(parsed);
        return error;
    };
    CHECK(refused("http://127.0.0.1:6379") == "the scheme must be redis:// or rediss://");
    CHECK(refused("redis://:secret@127.0.0.1") .find("store.password_file") != std::string::npos);
    CHECK(refused("redis://user@127.0.0.1").find("password") != std::string::npos);
    CHECK(refused("redis://:6379/0") == "has no host");
    CHECK(refused("redis://h:0") == "the port must be 1..65535");
    CHECK(refused("redis://h:70000") == "the port must be 1..65535");
    CHECK(refused("redis://h:/0") == "the port must be 1..65535");
    CHECK(refused("redis://h/db1").find("database number") != std::string::npos);
    CHECK(refused("redis://h/1/2").find("database number") != std::string::npos);
    CHECK(refused("redis://h/-1").find("database number") != std::string::npos);
    CHECK(refused("redis://h/99999999999").find("database number") != std::string::npos);
    CHECK(refused("redis://h/0?timeout=1") == "must not have a query or fragment");
    CHECK(refused("not a url") == "not a URL");
}

TEST_CASE("commands are RESP arrays of bulk strings, binary-safe", "[redis][command]") {
    CHECK(format_command({"SET", "k", "v"}) == "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n");
    const std::string binary("a\0\r\nb", 5);
    CHECK(format_command({"GET", binary}) == std::string("*2\r\n$3\r\nGET\r\n$5\r\na\0\r\nb\r\n", 24));
    CHECK(format_command({"ECHO", ""}) == "*2\r\n$4\r\nECHO\r\n$0\r\n\r\n");
}

TEST_CASE("replies are parsed whatever the bytes' chunking", "[redis][reply]") {
    const std::string stream = "+OK\r\n-ERR wrong\r\n:42\r\n$-1\r\n$5\r\nab\r\nc\r\n*3\r\n:1\r\n*1\r\n$1\r\nx\r\n$-1\r\n*-1\r\n";
    for (std::size_t chunk : {stream.size(), std::size_t{1}, std::size_t{7}}) {
        ReplyReader reader;
        std::vector<Reply> replies;
        for (std::size_t at = 0; at < stream.size(); at += chunk) {
            REQUIRE(reader.feed(std::string_view(stream).substr(at, chunk)));
            while (auto reply = reader.next()) replies.push_back(std::move(*reply));
        }
        REQUIRE_FALSE(reader.failed());
        CHECK(reader.buffered() == 0);
        REQUIRE(replies.size() == 7);
        CHECK(replies[0].type == Type::Status);
        CHECK(replies[0].text == "OK");
        CHECK(replies[1].is_error());
        CHECK(replies[1].text == "ERR wrong");
        CHECK(replies[1].is_error_code("ERR"));
        CHECK_FALSE(replies[1].is_error_code("ER"));
        CHECK(replies[2].type == Type::Integer);
        CHECK(replies[2].integer == 42);
        CHECK(replies[3].is_nil());
        CHECK(replies[4].type == Type::String);
        CHECK(replies[4].text == "ab\r\nc");
        REQUIRE(replies[5].type == Type::Array);
        REQUIRE(replies[5].elements.size() == 3);
        CHECK(replies[5].elements[0].integer == 1);
        CHECK(replies[5].elements[1].elements.at(0).text == "x");
        CHECK(replies[5].elements[2].is_nil());
        CHECK(replies[6].is_nil());  // nil array
        CHECK(describe(replies[5]) == "array of 3");
        CHECK(describe(replies[1]) == "error \"ERR wrong\"");
    }
}

TEST_CASE("a malformed reply stream fails the reader for good", "[redis][reply]") {
    ReplyReader reader;
    REQUIRE(reader.feed("+OK\r\n?what\r\n"));
    auto first = reader.next();
    REQUIRE(first);
    CHECK(first->text == "OK");
    CHECK_FALSE(reader.next());
    CHECK(reader.failed());
    CHECK(reader.error().find("Protocol error") != std::string::npos);
    CHECK_FALSE(reader.feed("+OK\r\n"));
    CHECK_FALSE(reader.next());
}

TEST_CASE("a reply still arriving is counted as buffered", "[redis][reply]") {
    ReplyReader reader;
    REQUIRE(reader.feed("$10\r\n01234"));
    CHECK_FALSE(reader.next());
    CHECK_FALSE(reader.failed());
    CHECK(reader.buffered() > 0);
    REQUIRE(reader.feed("56789\r\n"));
    auto reply = reader.next();
    REQUIRE(reply);
    CHECK(reply->text == "0123456789");
}

TEST_CASE("backoff grows from min to max with jitter", "[redis][backoff]") {
    using std::chrono::milliseconds;
    Backoff backoff(milliseconds(100), milliseconds(2000));
    CHECK(backoff.delay(1, 0.999999) == milliseconds(99));
    CHECK(backoff.delay(1, 0.0) == milliseconds(50));
    CHECK(backoff.delay(2, 0.0) == milliseconds(100));
    CHECK(backoff.delay(3, 0.0) == milliseconds(200));
    CHECK(backoff.delay(5, 0.0) == milliseconds(800));
    CHECK(backoff.delay(6, 0.0) == milliseconds(1000));  // 3200 capped at 2000, halved
    CHECK(backoff.delay(1000, 0.0) == milliseconds(1000));
    CHECK(backoff.delay(1000, 1.0) == milliseconds(2000));
    CHECK(backoff.delay(0, 1.0) == milliseconds(100));
}

TEST_CASE("the Redis password: environment first, then the file's first line", "[redis][password]") {
    testing::TempDir dir;
    const std::string file = dir.path() + "/password";
    std::ofstream(file) << "s3cret\r\nignored\n";
    unsetenv("SESSIONGATE_REDIS_PASSWORD");
    CHECK(read_password(std::nullopt).empty());
    CHECK(read_password(file) == "s3cret");
    setenv("SESSIONGATE_REDIS_PASSWORD", "from-env", 1);
    CHECK(read_password(file) == "from-env");
    unsetenv("SESSIONGATE_REDIS_PASSWORD");

    CHECK_THROWS_WITH(read_password(dir.path() + "/missing"), Catch::Contains("store.password_file") &&
                                                                  Catch::Contains("/missing"));
    std::ofstream(dir.path() + "/empty") << "\n";
    CHECK_THROWS_WITH(read_password(dir.path() + "/empty"), Catch::Contains("no password"));
}
