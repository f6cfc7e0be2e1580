// The Redis store against real redis-server processes the tests start on
// ports of their own: the store conformance suite, then what only Redis
// does (sealing at rest in a shared server, TTLs, replicas racing through
// the compare-and-set script, a server that goes away or never answers).
#include "session/redis/command.hpp"
#include "session/redis/store.hpp"
#include "session/secret_keys.hpp"
#include "unit/redis/redis_server.hpp"
#include "unit/session/index_suite.hpp"
#include "unit/session/store_suite.hpp"

#include <catch2/catch.hpp>

#include <future>
#include <thread>

using namespace sessiongate::session;
using namespace sessiongate::session::testing;
using namespace sessiongate::session::redis::testing;
using namespace std::chrono_literals;
namespace redis = sessiongate::session::redis;
using Clock = std::chrono::steady_clock;

namespace {

const SecretKeys& test_keys() {
    static const SecretKeys keys({"redis-store-test-key-0123456789abcdefghij"});
    return keys;
}

sessiongate::config::Config config_for(const std::string& url, std::string prefix = "sg-test:",
                                       std::vector<std::string> index = {}) {
    sessiongate::config::Config config;
    config.index = std::move(index);
    config.store.type = sessiongate::config::StoreType::Redis;
    config.store.url = url;
    config.store.key_prefix = std::move(prefix);
    config.store.connections = 2;
    config.store.connect_timeout = 1000ms;
    config.timeouts.store = 2000ms;
    return config;
}

/// A plain client beside the store, to look at what it keeps.
class Peek {
public:
    explicit Peek(const std::string& url) : client_(settings(url)) {}

    redis::Reply run(std::initializer_list<std::string_view> args) {
        auto response = client_.execute_sync({redis::format_command(args)}, Clock::now() + 2s);
        INFO((response.error ? response.error->message : std::string()));
        REQUIRE(response.ok());
        return response.replies.at(0);
    }
    std::vector<std::string> keys(std::string_view pattern) {
        std::vector<std::string> out;
        for (const auto& key : run({"KEYS", pattern}).elements) out.push_back(key.text);
        std::sort(out.begin(), out.end());
        return out;
    }

private:
    static redis::ClientSettings settings(const std::string& url) {
        std::string error;
        redis::ClientSettings s;
        s.endpoint = *redis::parse_url(url, error);
        return s;
    }
    redis::Client client_;
};

RedisServer& shared_server() {
    static RedisServer server;
    return server;
}

}  // namespace

TEST_CASE("the Redis store passes the store conformance suite", "[redis][store]") {
    RedisServer& server = shared_server();
    Peek peek(server.url());
    run_store_conformance([&] {
        peek.run({"FLUSHALL"});
        return std::make_unique<RedisStore>(config_for(server.url()), test_keys().ring());
    });
}

TEST_CASE("the Redis store passes the index conformance suite", "[redis][store][index]") {
    RedisServer& server = shared_server();
    Peek peek(server.url());
    run_index_conformance([&] {
        peek.run({"FLUSHALL"});
        return std::make_unique<RedisStore>(config_for(server.url(), "sg-test:", {"member_id"}), test_keys().ring());
    });
}

TEST_CASE("a Redis index set outlives its longest-lived member; members Redis expired are skipped and pruned",
          "[redis][store][index]") {
    RedisServer& server = shared_server();
    Peek peek(server.url());
    peek.run({"FLUSHALL"});
    RedisStore store(config_for(server.url(), "sg-test:", {"member_id"}), test_keys().ring());
    SessionAdmin& admin = *store.admin();
    const std::string set = "sg-test:i:9:member_id:42";

    auto long_lived = request(suite_t0, {}, {obj(R"({"member_id":42})")});
    long_lived.policy.age = 5000;
    const auto kept = write_sync(store, long_lived);
    REQUIRE(kept.outcome == WriteOutcome::Saved);
    const auto short_lived = start_session(store, R"({"member_id":42})");  // age 1000 s
    CHECK(peek.keys("sg-test:i:*") == std::vector<std::string>{set});
    CHECK(peek.run({"SCARD", set}).integer == 2);
    // Saved after the longer one: the set keeps the longer expiry.
    const auto pttl = peek.run({"PTTL", set}).integer;
    CHECK(pttl > 4'990'000);
    CHECK(pttl <= 5'000'000);
    // A save that extends a member extends the set, though no entry changed.
    auto extend = request(suite_t0, short_lived, {obj(R"({"x":1})")});
    extend.policy.age = 9000;
    REQUIRE(write_sync(store, extend).outcome == WriteOutcome::Saved);
    CHECK(peek.run({"PTTL", set}).integer > 8'990'000);

    // Redis drops a record at its TTL (here: a one-second session).
    auto brief = request(suite_t0, {}, {obj(R"({"member_id":42})")});
    brief.policy.age = 1;
    REQUIRE(write_sync(store, brief).outcome == WriteOutcome::Saved);
    CHECK(peek.run({"SCARD", set}).integer == 3);
    std::this_thread::sleep_for(1200ms);
    CHECK(handles_of(admin, "42").size() == 2);
    CHECK(peek.run({"SCARD", set}).integer == 2);  // pruned by the read

    // Deleting the others leaves no set behind.
    CHECK(admin.remove_by_index({"member_id", "42"}, {}) == 2);
    CHECK(peek.run({"EXISTS", set}).integer == 0);
    CHECK(load_sync(store, kept.cookie_value, suite_t0).status == LoadStatus::NotFound);
}

TEST_CASE("deleting a Redis session by handle takes it out of its index set", "[redis][store][index]") {
    RedisServer& server = shared_server();
    Peek peek(server.url());
    peek.run({"FLUSHALL"});
    RedisStore store(config_for(server.url(), "sg-test:", {"member_id"}), test_keys().ring());
    SessionAdmin& admin = *store.admin();
    const auto a = start_session(store, R"({"member_id":"ann"})");
    const auto b = start_session(store, R"({"member_id":"ann"})");
    REQUIRE(admin.remove_by_handle(handle_of(store, a)));
    CHECK(peek.run({"SCARD", "sg-test:i:9:member_id:ann"}).integer == 1);
    REQUIRE(admin.remove_by_handle(handle_of(store, b)));
    CHECK(peek.keys("sg-test:*").empty());
}

TEST_CASE("a Redis listing SCANs once: its later pages continue from the first page's snapshot",
          "[redis][store]") {
    RedisServer& server = shared_server();
    Peek peek(server.url());
    peek.run({"FLUSHALL"});
    RedisStore store(config_for(server.url()), test_keys().ring());
    SessionAdmin& admin = *store.admin();
    std::vector<std::string> made;
    for (int i = 0; i < 7; ++i) made.push_back(start_session(store, R"({"n":1})"));
    const auto scans = [&] {
        const std::string stats = peek.run({"INFO", "commandstats"}).text;
        const auto at = stats.find("cmdstat_scan:calls=");
        return at == std::string::npos ? 0 : std::stol(stats.substr(at + 19));
    };
    peek.run({"CONFIG", "RESETSTAT"});

    std::vector<std::string> listed;
    auto page = admin.list(2, {});
    REQUIRE(page.size() == 2);
    for (const auto& s : page) listed.push_back(s.handle);
    // A session that goes between pages is not listed after it went.
    REQUIRE(admin.remove_by_handle(handle_of(store, made[0])));
    const std::string gone = handle_of(store, made[1]);
    REQUIRE(admin.remove_by_handle(gone));
    do {  // as `sessions list` pages: until a page comes short
        page = admin.list(2, listed.back());
        for (const auto& s : page) listed.push_back(s.handle);
    } while (page.size() == 2);
    CHECK(scans() == 1);
    CHECK(std::is_sorted(listed.begin(), listed.end()));
    CHECK(std::adjacent_find(listed.begin(), listed.end()) == listed.end());
    CHECK(listed.size() >= 5);
    CHECK(std::find(listed.begin() + 2, listed.end(), gone) == listed.end());

    // Another listing (or another caller's cursor) starts with a SCAN of its own.
    CHECK(admin.list(100, {}).size() == 5);
    CHECK(scans() == 2);
}

TEST_CASE("Redis records are sealed, bound to their key and expire by TTL", "[redis][store]") {
    RedisServer& server = shared_server();
    Peek peek(server.url());
    peek.run({"FLUSHALL"});
    RedisStore store(config_for(server.url()), test_keys().ring());
    const auto id = start_session(store, R"({"card":"4111-1111-1111-1111"})", suite_t0, "h-sealed");
    const auto other = start_session(store, R"({"x":1})", suite_t0, "h-other");

    const auto records = peek.keys("sg-test:s:*");
    REQUIRE(records.size() == 2);
    for (const auto& key : records) {
        const std::string bytes = peek.run({"GET", key}).text;
        CHECK(bytes.find("4111") == std::string::npos);
        CHECK(bytes.find(id) == std::string::npos);
        // request() sets age 1000 s: Redis drops the record when it expires.
        const auto ttl = peek.run({"PTTL", key}).integer;
        CHECK(ttl > 990'000);
        CHECK(ttl <= 1'000'000);
    }
    CHECK(peek.keys("sg-test:h:*") == std::vector<std::string>{"sg-test:h:h-other", "sg-test:h:h-sealed"});
    CHECK(peek.run({"PTTL", "sg-test:h:h-sealed"}).integer > 990'000);

    // A record copied over another session's key does not open there.
    const auto storage = [&](const std::string& handle) { return peek.run({"GET", "sg-test:h:" + handle}).text; };
    const std::string sealed_bytes = peek.run({"GET", "sg-test:s:" + storage("h-sealed")}).text;
    peek.run({"SET", "sg-test:s:" + storage("h-other"), sealed_bytes});
    CHECK(load_sync(store, other, suite_t0 + 1).status == LoadStatus::Error);
    CHECK(load_sync(store, id, suite_t0 + 1).status == LoadStatus::Found);
}

TEST_CASE("two Redis stores on one server (two replicas) keep each other's concurrent updates", "[redis][store]") {
    RedisServer& server = shared_server();
    Peek(server.url()).run({"FLUSHALL"});
    RedisStore a(config_for(server.url()), test_keys().ring());
    RedisStore b(config_for(server.url()), test_keys().ring());
    const auto id = start_session(a, R"({"start":true})");
    REQUIRE(load_sync(b, id, suite_t0 + 1).status == LoadStatus::Found);

    // Each replica serialises its own writes to a session; between the two,
    // only the compare-and-set keeps one from overwriting the other.
    constexpr int writes = 100;
    std::vector<std::promise<WriteResult>> answers(writes);
    for (int i = 0; i < writes; ++i) {
        SessionWrite w = request(suite_t0 + 1, id, {obj("{\"k" + std::to_string(i) + "\":" + std::to_string(i) + "}")});
        (i % 2 ? a : b).write(std::move(w), far_deadline(), [&answers, i](WriteResult r) {
            answers[i].set_value(std::move(r));
        });
    }
    for (auto& answer : answers) CHECK(answer.get_future().get().outcome == WriteOutcome::Saved);
    auto loaded = load_sync(a, id, suite_t0 + 2);
    REQUIRE(loaded.status == LoadStatus::Found);
    auto data = boost::json::parse(loaded.record.data_json).as_object();
    CHECK(data.size() == writes + 1);
    for (int i = 0; i < writes; ++i) CHECK(data.contains("k" + std::to_string(i)));
}

TEST_CASE("the commit script is sent again when Redis forgot it", "[redis][store]") {
    RedisServer& server = shared_server();
    Peek peek(server.url());
    peek.run({"FLUSHALL"});
    RedisStore store(config_for(server.url()), test_keys().ring());
    const auto id = start_session(store, R"({"a":1})");
    peek.run({"SCRIPT", "FLUSH"});
    CHECK(write_sync(store, request(suite_t0 + 1, id, {obj(R"({"b":2})")})).outcome == WriteOutcome::Saved);
    CHECK(load_sync(store, id, suite_t0 + 2).record.data_json == R"({"a":1,"b":2})");
}

TEST_CASE("Redis stores under different key prefixes share a database without meeting", "[redis][store]") {
    RedisServer& server = shared_server();
    Peek peek(server.url());
    peek.run({"FLUSHALL"});
    RedisStore blue(config_for(server.url(), "blue:"), test_keys().ring());
    RedisStore green(config_for(server.url(), "green:"), test_keys().ring());
    const auto id = start_session(blue, R"({"a":1})", suite_t0, "h-blue");
    CHECK(load_sync(green, id, suite_t0 + 1).status == LoadStatus::NotFound);
    CHECK(green.admin()->count() == 0);
    CHECK(blue.admin()->count() == 1);
    CHECK(peek.keys("green:*").empty());
}

TEST_CASE("Redis stopped: store calls fail fast; started again: the store recovers by itself", "[redis][store]") {
    RedisServer server({"--appendonly", "yes", "--appendfsync", "always"});
    RedisStore store(config_for(server.url()), test_keys().ring());
    const auto id = start_session(store, R"({"kept":1})");

    server.stop();
    const auto start = Clock::now();
    CHECK(load_sync(store, id, suite_t0 + 1).status == LoadStatus::Error);
    CHECK(write_sync(store, request(suite_t0 + 1, id, {obj(R"({"lost":1})")})).outcome == WriteOutcome::Error);
    CHECK(Clock::now() - start < 1500ms);

    server.start();
    LoadResult loaded;
    for (auto until = Clock::now() + 5s; Clock::now() < until; std::this_thread::sleep_for(50ms)) {
        loaded = load_sync(store, id, suite_t0 + 1, Clock::now() + 500ms);
        if (loaded.status != LoadStatus::Error) break;
    }
    REQUIRE(loaded.status == LoadStatus::Found);  // acknowledged before the stop, persisted by AOF
    CHECK(loaded.record.data_json == R"({"kept":1})");
    CHECK(write_sync(store, request(suite_t0 + 2, id, {obj(R"({"after":1})")})).outcome == WriteOutcome::Saved);
}

TEST_CASE("a Redis that accepts and never answers: store calls answer Error by their deadline", "[redis][store]") {
    SilentServer silent;
    RedisStore store(config_for("redis://127.0.0.1:" + std::to_string(silent.port()) + "/0"), test_keys().ring());
    const auto start = Clock::now();
    const auto id = new_session_id();
    CHECK(load_sync(store, id, suite_t0, Clock::now() + 300ms).status == LoadStatus::Error);
    CHECK(write_sync(store, request(suite_t0, {}, {obj(R"({"a":1})")}), Clock::now() + 300ms).outcome ==
          WriteOutcome::Error);
    CHECK(Clock::now() - start < 1500ms);
}
