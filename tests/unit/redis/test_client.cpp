// The Redis client against real redis-server processes the tests start on
// ports of their own, and against a socket that never answers.
#include "session/redis/client.hpp"
#include "session/redis/command.hpp"
#include "unit/redis/redis_server.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <future>
#include <thread>

using namespace sessiongate::session::redis;
using namespace sessiongate::session::redis::testing;
using namespace std::chrono_literals;
using Clock = Client::Clock;

namespace {

ClientSettings settings_for(const std::string& url) {
    std::string error;
    auto endpoint = parse_url(url, error);
    REQUIRE(endpoint);
    ClientSettings settings;
    settings.endpoint = *endpoint;
    settings.connect_timeout = 1000ms;
    settings.backoff_min = 20ms;
    settings.backoff_max = 200ms;
    return settings;
}

Response run(Client& client, std::vector<std::string> commands, std::chrono::milliseconds timeout = 2000ms) {
    return client.execute_sync(std::move(commands), Clock::now() + timeout);
}

Reply one(Client& client, std::initializer_list<std::string_view> args) {
    auto response = run(client, {format_command(args)});
    INFO((response.error ? response.error->message : std::string()));
    REQUIRE(response.ok());
    REQUIRE(response.replies.size() == 1);
    return response.replies[0];
}

/// Retries until the client answers PING (it reconnects on its own).
bool answers_within(Client& client, std::chrono::milliseconds limit) {
    const auto until = Clock::now() + limit;
    while (Clock::now() < until) {
        auto response = run(client, {format_command({"PING"})}, 500ms);
        if (response.ok() && response.replies[0].text == "PONG") return true;
        std::this_thread::sleep_for(20ms);
    }
    return false;
}

}  // namespace

TEST_CASE("commands get their own replies, of every type", "[redis][client]") {
    RedisServer server;
    Client client(settings_for(server.url()));
    CHECK(one(client, {"SET", "k", "v"}).text == "OK");
    auto got = one(client, {"GET", "k"});
    CHECK(got.type == Reply::Type::String);
    CHECK(got.text == "v");
    CHECK(one(client, {"GET", "missing"}).is_nil());
    CHECK(one(client, {"INCR", "n"}).integer == 1);
    CHECK(one(client, {"NOSUCHCOMMAND"}).is_error());  // a reply, not a failure
    const std::string binary("\0\r\n\xff end", 8);
    CHECK(one(client, {"SET", "bin", binary}).text == "OK");
    CHECK(one(client, {"GET", "bin"}).text == binary);

    // A batch is sent back to back and answered in order.
    auto batch = run(client, {format_command({"SET", "a", "1"}), format_command({"INCRBY", "a", "41"}),
                              format_command({"MGET", "a", "missing"})});
    REQUIRE(batch.ok());
    REQUIRE(batch.replies.size() == 3);
    CHECK(batch.replies[1].integer == 42);
    REQUIRE(batch.replies[2].elements.size() == 2);
    CHECK(batch.replies[2].elements[0].text == "42");
    CHECK(batch.replies[2].elements[1].is_nil());
    CHECK(client.connected());
}

TEST_CASE("many callers pipeline over few connections and each gets its own reply", "[redis][client]") {
    RedisServer server;
    auto settings = settings_for(server.url());
    settings.connections = 2;
    Client client(settings);
    constexpr int threads = 8;
    constexpr int per_thread = 400;
    std::atomic<int> right{0}, wrong{0};
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
        pool.emplace_back([&, t] {
            std::vector<std::future<void>> waits;
            for (int i = 0; i < per_thread; ++i) {
                std::string key = "k";  // appended, not "k" + ...: GCC 12 warns falsely (-Wrestrict)
                key += std::to_string(t);
                key += '_';
                key += std::to_string(i);
                auto done = std::make_shared<std::promise<void>>();
                waits.push_back(done->get_future());
                client.execute({format_command({"SET", key, key + "-value"}), format_command({"GET", key})},
                               Clock::now() + 10s, [&, key, done](Response response) {
                                   const bool ok = response.ok() && response.replies.size() == 2 &&
                                                   response.replies[1].text == key + "-value";
                                   ++(ok ? right : wrong);
                                   done->set_value();
                               });
            }
            for (auto& w : waits) w.wait();
        });
    }
    for (auto& th : pool) th.join();
    CHECK(wrong == 0);
    CHECK(right == threads * per_thread);
    CHECK(one(client, {"DBSIZE"}).integer == threads * per_thread);
}

TEST_CASE("password and database number", "[redis][client]") {
    RedisServer server({"--requirepass", "pa ss"});
    auto settings = settings_for(server.url(3));
    settings.password = "pa ss";
    Client in_db3(settings);
    CHECK(one(in_db3, {"SET", "where", "db3"}).text == "OK");

    auto db0_settings = settings_for(server.url(0));
    db0_settings.password = "pa ss";
    Client in_db0(db0_settings);
    CHECK(one(in_db0, {"GET", "where"}).is_nil());
    CHECK(one(in_db0, {"SELECT", "3"}).text == "OK");  // the same server, the other database
    CHECK(one(in_db0, {"GET", "where"}).text == "db3");

    auto wrong = settings_for(server.url());
    wrong.password = "nope";
    Client refused(wrong);
    auto response = run(refused, {format_command({"PING"})});
    REQUIRE_FALSE(response.ok());
    CHECK(response.error->message.find("AUTH refused") != std::string::npos);
    CHECK_FALSE(refused.connected());

    Client no_password(settings_for(server.url()));
    response = run(no_password, {format_command({"PING"})});
    REQUIRE_FALSE(response.ok());
    CHECK(response.error->message.find("NOAUTH") != std::string::npos);
}

TEST_CASE("a server that accepts and never answers gives a timeout within the deadline", "[redis][client]") {
    SilentServer silent;
    auto settings = settings_for("redis://127.0.0.1:" + std::to_string(silent.port()));
    settings.connect_timeout = 300ms;
    settings.backoff_min = 2000ms;  // keep the backoff in force for the fast-failure check
    settings.backoff_max = 2000ms;
    Client client(settings);

    const auto start = Clock::now();
    auto response = run(client, {format_command({"GET", "k"})}, 150ms);
    const auto waited = Clock::now() - start;
    REQUIRE_FALSE(response.ok());
    CHECK(response.error->kind == ErrorKind::Timeout);
    CHECK(waited >= 140ms);
    CHECK(waited < 1000ms);  // margin for a loaded machine
    CHECK(silent.accepted() >= 1);

    // The attempt itself gives up after connect_timeout; then calls fail at
    // once instead of each waiting for its own deadline.
    std::this_thread::sleep_for(400ms);
    const auto again = Clock::now();
    response = run(client, {format_command({"GET", "k"})}, 1500ms);
    REQUIRE_FALSE(response.ok());
    CHECK(response.error->kind == ErrorKind::Unavailable);
    CHECK(response.error->message.find("connect_timeout") != std::string::npos);
    CHECK(Clock::now() - again < 500ms);
}

TEST_CASE("a server that stops answering is dropped, and taken back when it answers again", "[redis][client]") {
    RedisServer server;
    auto settings = settings_for(server.url());
    settings.connect_timeout = 300ms;
    Client client(settings);
    REQUIRE(one(client, {"SET", "k", "v"}).text == "OK");

    server.pause();
    const auto start = Clock::now();
    auto response = run(client, {format_command({"GET", "k"})}, 200ms);
    REQUIRE_FALSE(response.ok());
    CHECK(response.error->kind == ErrorKind::Timeout);
    CHECK(Clock::now() - start < 1000ms);
    server.resume();
    CHECK(answers_within(client, 5s));
    CHECK(one(client, {"GET", "k"}).text == "v");
}

TEST_CASE("Redis stopped: calls fail fast; started again: the client recovers by itself", "[redis][client]") {
    RedisServer server;
    auto settings = settings_for(server.url());
    Client client(settings);
    REQUIRE(one(client, {"SET", "k", "v"}).text == "OK");

    server.stop();
    for (int i = 0; i < 5; ++i) {
        const auto start = Clock::now();
        auto response = run(client, {format_command({"GET", "k"})}, 1000ms);
        REQUIRE_FALSE(response.ok());
        CHECK(response.error->kind != ErrorKind::Timeout);  // refused, not waited out
        CHECK(Clock::now() - start < 500ms);
    }
    CHECK_FALSE(client.connected());

    server.start();
    CHECK(answers_within(client, 5s));
    CHECK(client.connected());
    CHECK(one(client, {"SET", "k2", "v2"}).text == "OK");
}

TEST_CASE("the queue is bounded and closing fails what is pending", "[redis][client]") {
    SilentServer silent;
    auto settings = settings_for("redis://127.0.0.1:" + std::to_string(silent.port()));
    settings.connect_timeout = 5000ms;
    settings.max_pending = 2;
    std::promise<Response> first, second, third;
    {
        Client client(settings);
        for (auto* p : {&first, &second, &third})
            client.execute({format_command({"PING"})}, Clock::now() + 10s,
                           [p](Response response) { p->set_value(std::move(response)); });
        auto over = third.get_future().get();
        REQUIRE_FALSE(over.ok());
        CHECK(over.error->kind == ErrorKind::Unavailable);
        CHECK(over.error->message.find("already pending") != std::string::npos);
    }
    for (auto* p : {&first, &second}) {
        auto closed = p->get_future().get();
        REQUIRE_FALSE(closed.ok());
        CHECK(closed.error->kind == ErrorKind::Closed);
    }
}

TEST_CASE("a reply larger than max_reply_bytes drops the connection", "[redis][client]") {
    RedisServer server;
    auto settings = settings_for(server.url());
    settings.max_reply_bytes = 64 * 1024;
    Client client(settings);
    REQUIRE(one(client, {"SET", "big", std::string(200 * 1024, 'x')}).text == "OK");
    auto response = run(client, {format_command({"GET", "big"})});
    REQUIRE_FALSE(response.ok());
    CHECK(response.error->kind == ErrorKind::ConnectionLost);
    CHECK(response.error->message.find("over 65536 bytes") != std::string::npos);
    CHECK(answers_within(client, 5s));  // and it comes back for the next command
}

TEST_CASE("rediss: the certificate is verified against the CA file and the host name", "[redis][client][tls]") {
    TempDir pki_dir;
    TestPki pki(pki_dir.path());
    const RedisServer::Tls tls{pki.server_cert, pki.server_key, pki.ca_file};
    RedisServer server({"--requirepass", "tls-pass"}, &tls);
    const std::string port = std::to_string(server.port());

    auto good = settings_for("rediss://localhost:" + port + "/2");
    good.ca_file = pki.ca_file;
    good.password = "tls-pass";
    Client client(good);
    CHECK(one(client, {"SET", "over", "tls"}).text == "OK");
    CHECK(one(client, {"GET", "over"}).text == "tls");

    auto other_ca = good;
    other_ca.ca_file = pki.other_ca_file;
    Client untrusted(other_ca);
    auto response = run(untrusted, {format_command({"PING"})});
    REQUIRE_FALSE(response.ok());
    CHECK(response.error->message.find("certificate verify failed") != std::string::npos);
    CHECK(response.error->message.find("self-signed certificate in certificate chain") != std::string::npos);

    // The certificate names "localhost", not the address.
    auto by_address = settings_for("rediss://127.0.0.1:" + port + "/2");
    by_address.ca_file = pki.ca_file;
    by_address.password = "tls-pass";
    Client wrong_name(by_address);
    response = run(wrong_name, {format_command({"PING"})});
    REQUIRE_FALSE(response.ok());
    CHECK(response.error->message.find("TLS handshake") != std::string::npos);
    CHECK(response.error->message.find("IP address mismatch") != std::string::npos);

    auto missing = good;
    missing.ca_file = pki_dir.path() + "/no-such-ca.crt";
    CHECK_THROWS_WITH(Client(missing), Catch::Contains("no-such-ca.crt"));
}
