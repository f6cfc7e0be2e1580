#include "proxy/readiness.hpp"

#include <catch2/catch.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

using namespace sessiongate;
using proxy::judge_readiness;
using proxy::ReadinessFacts;

TEST_CASE("readiness: ready only with no reason against, each reason on its own line") {
    auto ready = judge_readiness({});
    CHECK(ready.status == 200);
    CHECK(ready.body == "ready\n");

    auto draining = judge_readiness({true, std::nullopt, std::nullopt});
    CHECK(draining.status == 503);
    CHECK(draining.body == "not ready: draining\n");

    auto all = judge_readiness({true, "connection refused", "Connection refused"});
    CHECK(all.status == 503);
    CHECK(all.body ==
          "not ready: draining\n"
          "not ready: store unreachable: connection refused\n"
          "not ready: upstream refuses connections: Connection refused\n");
}

namespace {

// A store whose lookups answer as told, counting them; answers may be held
// back (a store that does not answer).
class ScriptedStore : public session::Store {
public:
    session::LoadStatus status = session::LoadStatus::NotFound;
    bool answer = true;
    int loads = 0;
    std::string last_value;

    void load(std::string value, std::int64_t, session::Deadline, LoadCallback done) override {
        ++loads;
        last_value = value;
        if (answer) done({status, {}, status == session::LoadStatus::Error ? "connection refused" : ""});
    }
    void write(session::SessionWrite, session::Deadline, WriteCallback done) override { done({}); }
};

struct ProbeRig {
    boost::asio::io_context ioc;
    ScriptedStore store;
    std::atomic<bool> draining{false};
    boost::asio::ip::tcp::acceptor listening{ioc, {boost::asio::ip::make_address("127.0.0.1"), 0}};
    boost::asio::ip::tcp::endpoint upstream = listening.local_endpoint();
    std::shared_ptr<proxy::ReadinessProbe> probe = std::make_shared<proxy::ReadinessProbe>(
        ioc, store, [this] { return upstream; }, draining, std::chrono::milliseconds(50));

    void run_for(std::chrono::milliseconds time) {
        ioc.restart();
        ioc.run_for(time);
    }
    // Runs until `done` holds (or 5 s, for a loaded machine); whether it does.
    template <class Done>
    bool run_until(Done done) {
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while (!done() && std::chrono::steady_clock::now() < deadline) run_for(std::chrono::milliseconds(5));
        return done();
    }
    // A port nothing listens on: bound and closed at once.
    static boost::asio::ip::tcp::endpoint closed_port(boost::asio::io_context& ioc) {
        boost::asio::ip::tcp::acceptor a(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
        auto endpoint = a.local_endpoint();
        a.close();
        return endpoint;
    }
};

}  // namespace

TEST_CASE("readiness probe: not checked yet, then ready") {
    ProbeRig rig;
    auto before = rig.probe->facts();
    CHECK(before.store_problem == "not checked yet");
    CHECK(before.upstream_problem == "not checked yet");
    rig.probe->start();
    REQUIRE(rig.run_until([&] { return !rig.probe->facts().upstream_problem && !rig.probe->facts().store_problem; }));
    auto after = rig.probe->facts();
    CHECK_FALSE(after.store_problem);
    CHECK_FALSE(after.upstream_problem);
    CHECK(rig.store.last_value.size() == 43);  // a well-formed id, so the store really looks it up
    rig.probe->stop();
}

TEST_CASE("readiness probe: an upstream refusing connections, then back") {
    ProbeRig rig;
    rig.upstream = ProbeRig::closed_port(rig.ioc);
    rig.probe->start();
    auto problem = [&] { return rig.probe->facts().upstream_problem.value_or("none"); };
    REQUIRE(rig.run_until([&] { return problem() != "not checked yet"; }));
    CHECK(problem() == "Connection refused");
    rig.upstream = rig.listening.local_endpoint();
    CHECK(rig.run_until([&] { return problem() == "none"; }));
    rig.probe->stop();
}

TEST_CASE("readiness probe: a store failing or silent; at most one lookup per interval") {
    ProbeRig rig;
    rig.store.status = session::LoadStatus::Error;
    auto problem = [&] { return rig.probe->facts().store_problem.value_or("none"); };
    auto started = std::chrono::steady_clock::now();
    rig.probe->start();
    REQUIRE(rig.run_until([&] { return problem() != "not checked yet"; }));
    CHECK(problem() == "connection refused");
    rig.run_for(std::chrono::milliseconds(250));
    auto elapsed = std::chrono::steady_clock::now() - started;
    CHECK(rig.store.loads >= 2);
    CHECK(rig.store.loads <= elapsed / std::chrono::milliseconds(50) + 1);  // every 50 ms, never more

    rig.store.status = session::LoadStatus::NotFound;
    CHECK(rig.run_until([&] { return problem() == "none"; }));

    rig.store.answer = false;  // the next lookup never answers
    int asked = rig.store.loads;
    CHECK(rig.run_until([&] { return problem() == "no answer within 50 ms"; }));
    rig.run_for(std::chrono::milliseconds(100));
    CHECK(rig.store.loads == asked + 1);  // no pile of lookups behind a silent store
    rig.probe->stop();
}

TEST_CASE("readiness probe: draining is read when asked") {
    ProbeRig rig;
    rig.draining = true;
    CHECK(rig.probe->facts().draining);
}
