// The conformance suite every Store implementation passes: written against
// the Store interface alone. A store's test case calls
//
//     run_store_conformance([&] { return make_an_empty_store(); });
//
// Each SECTION runs with a fresh store from the factory, so it must hand out
// an empty store each time (a new temp dir, a flushed Redis database). What
// a store offers beyond load and write decides what else is checked: with
// admin() (a store that keeps sessions on a server) the handle index, count
// and list, that a saved session keeps its cookie value, that a session
// deleted by others stays deleted and that concurrent updates are all
// kept; with expiry_sweep() the sweep. A store without admin() (the cookie
// store) may hand out a new cookie value with every save: the suite goes
// on with the value each save returns.
#pragma once

#include "session/session_id.hpp"
#include "session/store.hpp"

#include <boost/json/parse.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <future>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace sessiongate::session::testing {

using StoreFactory = std::function<std::unique_ptr<Store>()>;

inline constexpr std::int64_t suite_t0 = 1'700'000'000;

/// A deadline no call in the suite should reach.
inline Deadline far_deadline() { return Deadline::clock::now() + std::chrono::seconds(30); }

inline LoadResult load_sync(Store& store, const std::string& cookie, std::int64_t now,
                            Deadline deadline = far_deadline()) {
    std::promise<LoadResult> p;
    auto f = p.get_future();
    store.load(cookie, now, deadline, [&p](LoadResult r) { p.set_value(std::move(r)); });
    return f.get();
}

inline WriteResult write_sync(Store& store, SessionWrite w, Deadline deadline = far_deadline()) {
    std::promise<WriteResult> p;
    auto f = p.get_future();
    store.write(std::move(w), deadline, [&p](WriteResult r) { p.set_value(std::move(r)); });
    return f.get();
}

inline boost::json::object obj(std::string_view json) {
    return boost::json::parse(json).as_object();
}

/// A write for a request at `now`, with a fresh identity ready.
inline SessionWrite request(std::int64_t now, std::string current = {},
                            std::vector<boost::json::object> patches = {},
                            std::string handle = {}) {
    SessionWrite w;
    w.current = std::move(current);
    w.fresh_id = new_session_id();
    w.fresh_handle = handle.empty() ? "h-" + w.fresh_id.substr(0, 20) : std::move(handle);
    w.patches = std::move(patches);
    w.now = now;
    w.policy.age = 1000;
    return w;
}

/// Starts a session holding `data`; returns the cookie value.
inline std::string start_session(Store& store, std::string_view data, std::int64_t now = suite_t0,
                                 std::string handle = {}) {
    auto r = write_sync(store, request(now, {}, {obj(data)}, std::move(handle)));
    REQUIRE(r.outcome == WriteOutcome::Saved);
    return r.cookie_value;
}

inline boost::json::value data_of(Store& store, const std::string& cookie,
                                  std::int64_t now = suite_t0) {
    auto r = load_sync(store, cookie, now);
    REQUIRE(r.status == LoadStatus::Found);
    return boost::json::parse(r.record.data_json);
}

// "k<thread>_<i>": the key one concurrent writer sets.
inline std::string key_name(int thread, int i) {
    std::string key = "k";
    key += std::to_string(thread);
    key += '_';
    key += std::to_string(i);
    return key;
}

inline void run_store_conformance(const StoreFactory& make) {
    auto store_ptr = make();
    Store& store = *store_ptr;
    const std::int64_t t0 = suite_t0;
    // Keeps records on a server: a deleted or replaced session's old cookie
    // no longer loads, deletion by others is detected (Gone), and sessions
    // are found by handle. A stateless cookie store can do none of these.
    SessionAdmin* const admin = store.admin();
    const bool server_side = admin != nullptr;

    SECTION("lazy: nothing is stored until there is data") {
        auto r = write_sync(store, request(t0));
        CHECK(r.outcome == WriteOutcome::Unchanged);
        auto touched = request(t0);
        touched.touch = true;
        touched.expiry = ExpirySetting{ExpirySetting::Kind::Seconds, 50};
        CHECK(write_sync(store, touched).outcome == WriteOutcome::Unchanged);
        CHECK(write_sync(store, request(t0, {}, {obj(R"({"a":null})")})).outcome ==
              WriteOutcome::Unchanged);
        CHECK(load_sync(store, new_session_id(), t0).status == LoadStatus::NotFound);
        if (server_side) CHECK(admin->count() == 0);
    }

    SECTION("malformed cookie values are never looked up") {
        for (const std::string& bad :
             std::vector<std::string>{"", "short", std::string(43, '!'), std::string(44, 'a'),
                                      std::string(42, 'a') + "b"}) {
            CHECK(load_sync(store, bad, t0).status == LoadStatus::NotFound);
        }
    }

    SECTION("a new session is saved under the fresh id and loads back") {
        auto w = request(t0, {}, {obj(R"({"num_visits":1})")});
        const auto fresh_handle = w.fresh_handle;
        auto r = write_sync(store, w);
        REQUIRE(r.outcome == WriteOutcome::Saved);
        if (server_side) CHECK(r.cookie_value == w.fresh_id);
        CHECK(r.record.handle == fresh_handle);
        CHECK(r.record.created == t0);
        CHECK(r.record.modified == t0);
        CHECK(r.record.expires == t0 + 1000);
        CHECK_FALSE(r.record.expiry_seconds);
        auto l = load_sync(store, r.cookie_value, t0 + 1);
        REQUIRE(l.status == LoadStatus::Found);
        CHECK(l.record.handle == fresh_handle);
        CHECK(l.record.data_json == R"({"num_visits":1})");
        CHECK(l.record.created == t0);
        CHECK(l.record.expires == t0 + 1000);
        if (server_side) CHECK(admin->count() == 1);
    }

    SECTION("patches merge into the stored data in order; null deletes") {
        const auto id = start_session(store, R"({"a":1,"b":{"x":1},"c":true})");
        auto r = write_sync(
            store, request(t0 + 5, id,
                           {obj(R"({"b":{"y":2}})"), obj(R"({"a":null})"), obj(R"({"c":[1,2]})")}));
        REQUIRE(r.outcome == WriteOutcome::Saved);
        if (server_side) CHECK(r.cookie_value == id);
        CHECK(r.record.created == t0);
        CHECK(r.record.modified == t0 + 5);
        CHECK(r.record.expires == t0 + 5 + 1000);
        CHECK(data_of(store, r.cookie_value) == boost::json::parse(R"({"b":{"x":1,"y":2},"c":[1,2]})"));
    }

    SECTION("a session that becomes empty is deleted") {
        const auto id = start_session(store, R"({"a":1})");
        auto r = write_sync(store, request(t0, id, {obj(R"({"a":null})")}));
        CHECK(r.outcome == WriteOutcome::Deleted);
        if (server_side) CHECK(load_sync(store, id, t0).status == LoadStatus::NotFound);
        if (server_side) {
            CHECK(admin->count() == 0);
            CHECK(admin->list(10, "").empty());
        }
    }

    SECTION("flush deletes; updates after it start a fresh session") {
        const auto id = start_session(store, R"({"a":1})", t0, "h-old");
        auto w = request(t0 + 1, id);
        w.action = SessionAction::Flush;
        CHECK(write_sync(store, w).outcome == WriteOutcome::Deleted);
        if (server_side) CHECK(load_sync(store, id, t0 + 1).status == LoadStatus::NotFound);

        const auto id2 = start_session(store, R"({"a":1})", t0, "h-old2");
        auto w2 = request(t0 + 2, id2, {obj(R"({"b":2})")}, "h-new");
        w2.action = SessionAction::Flush;
        auto r = write_sync(store, w2);
        REQUIRE(r.outcome == WriteOutcome::Saved);
        CHECK(r.cookie_value != id2);
        CHECK(r.record.handle == "h-new");
        CHECK(r.record.created == t0 + 2);
        if (server_side) CHECK(load_sync(store, id2, t0 + 2).status == LoadStatus::NotFound);
        CHECK(data_of(store, r.cookie_value, t0 + 2) == boost::json::parse(R"({"b":2})"));
        if (server_side) {
            CHECK_FALSE(admin->find_by_handle("h-old2"));
            CHECK(admin->count() == 1);
        }
    }

    SECTION("cycle keeps data and creation time under a new id and handle") {
        const auto id = start_session(store, R"({"user":7})", t0, "h-before");
        auto w = request(t0 + 10, id, {obj(R"({"logged_in":true})")}, "h-after");
        w.action = SessionAction::Cycle;
        auto r = write_sync(store, w);
        REQUIRE(r.outcome == WriteOutcome::Saved);
        CHECK(r.cookie_value != id);
        CHECK(r.record.handle == "h-after");
        CHECK(r.record.created == t0);
        if (server_side) CHECK(load_sync(store, id, t0 + 10).status == LoadStatus::NotFound);
        CHECK(data_of(store, r.cookie_value, t0 + 10) ==
              boost::json::parse(R"({"user":7,"logged_in":true})"));
        if (server_side) {
            CHECK_FALSE(admin->find_by_handle("h-before"));
            REQUIRE(admin->find_by_handle("h-after"));
            auto all = admin->list(10, "");
            REQUIRE(all.size() == 1);
            CHECK(all[0].handle == "h-after");
        }
    }

    SECTION("clear empties the session under the same id") {
        const auto id = start_session(store, R"({"a":1,"b":2})", t0, "h-c");
        auto w = request(t0 + 1, id, {obj(R"({"z":0})")});
        w.action = SessionAction::Clear;
        auto r = write_sync(store, w);
        REQUIRE(r.outcome == WriteOutcome::Saved);
        if (server_side) CHECK(r.cookie_value == id);
        CHECK(r.record.handle == "h-c");
        CHECK(data_of(store, r.cookie_value) == boost::json::parse(R"({"z":0})"));

        auto w2 = request(t0 + 2, r.cookie_value);
        w2.action = SessionAction::Clear;
        CHECK(write_sync(store, w2).outcome == WriteOutcome::Deleted);
        if (server_side) CHECK(load_sync(store, id, t0 + 2).status == LoadStatus::NotFound);
    }

    if (server_side) {
        SECTION("a session deleted meanwhile is never brought back") {
            const auto id = start_session(store, R"({"a":1})");
            // Request B loaded the session; request A logs out first.
            auto flush = request(t0 + 1, id);
            flush.action = SessionAction::Flush;
            REQUIRE(write_sync(store, flush).outcome == WriteOutcome::Deleted);

            CHECK(write_sync(store, request(t0 + 2, id, {obj(R"({"b":2})")})).outcome ==
                  WriteOutcome::Gone);
            auto touch = request(t0 + 2, id);
            touch.touch = true;
            CHECK(write_sync(store, touch).outcome == WriteOutcome::Gone);
            auto cycle = request(t0 + 2, id);
            cycle.action = SessionAction::Cycle;
            CHECK(write_sync(store, cycle).outcome == WriteOutcome::Gone);
            auto clear = request(t0 + 2, id, {obj(R"({"c":3})")});
            clear.action = SessionAction::Clear;
            CHECK(write_sync(store, clear).outcome == WriteOutcome::Gone);
            CHECK(load_sync(store, id, t0 + 2).status == LoadStatus::NotFound);
            CHECK(admin->count() == 0);

            // Removed by an administrator, or expired meanwhile: the same.
            const auto id2 = start_session(store, R"({"a":1})", t0, "h-admin");
            REQUIRE(admin->remove_by_handle("h-admin"));
            CHECK(write_sync(store, request(t0 + 3, id2, {obj(R"({"b":2})")})).outcome ==
                  WriteOutcome::Gone);
            const auto id3 = start_session(store, R"({"a":1})");
            CHECK(write_sync(store, request(t0 + 1000, id3, {obj(R"({"b":2})")})).outcome ==
                  WriteOutcome::Gone);
            CHECK(write_sync(store, request(t0, "not-a-session-id", {obj(R"({"b":2})")})).outcome ==
                  WriteOutcome::Gone);
        }
    }

    // Each write applies to the record as stored now. (A cookie store has
    // only the request's own cookie: the last response's cookie wins.)
    if (server_side) {
        SECTION("concurrent patches of different keys are all kept") {
            const auto id = start_session(store, R"({"start":0})");
            constexpr int threads = 12;
            constexpr int per_thread = 15;
            std::atomic<int> saved{0};  // Catch assertions are for the main thread only
            std::vector<std::thread> pool;
            for (int t = 0; t < threads; ++t) {
                pool.emplace_back([&, t] {
                    for (int i = 0; i < per_thread; ++i) {
                        boost::json::object patch;
                        patch[key_name(t, i)] = i;
                        auto r = write_sync(store, request(t0 + 1, id, {patch}));
                        if (r.outcome == WriteOutcome::Saved) ++saved;
                    }
                });
            }
            for (auto& th : pool) th.join();
            CHECK(saved == threads * per_thread);
            auto data = data_of(store, id).as_object();
            CHECK(data.size() == 1 + threads * per_thread);
            for (int t = 0; t < threads; ++t) {
                for (int i = 0; i < per_thread; ++i) {
                    CHECK(data.contains(key_name(t, i)));
                }
            }
        }
    }

    SECTION("a session over max_bytes is refused and the previous one kept") {
        const auto id = start_session(store, R"({"a":1})");
        auto w = request(t0 + 1, id, {obj(R"({"big":")" + std::string(200, 'x') + R"("})")});
        w.max_bytes = 100;
        CHECK(write_sync(store, w).outcome == WriteOutcome::TooLarge);
        CHECK(data_of(store, id) == boost::json::parse(R"({"a":1})"));
        auto cycle = w;
        cycle.action = SessionAction::Cycle;
        CHECK(write_sync(store, cycle).outcome == WriteOutcome::TooLarge);
        CHECK(data_of(store, id) == boost::json::parse(R"({"a":1})"));
        auto fresh = request(t0, {}, {obj(R"({"big":")" + std::string(200, 'x') + R"("})")});
        fresh.max_bytes = 100;
        CHECK(write_sync(store, fresh).outcome == WriteOutcome::TooLarge);
        auto exact = request(t0, {}, {obj(R"({"a":"xx"})")});
        exact.max_bytes = 10;  // {"a":"xx"} is exactly 10 bytes
        CHECK(write_sync(store, exact).outcome == WriteOutcome::Saved);
    }

    SECTION("expiry: own seconds, browser session, back to default, kept otherwise") {
        const auto id = start_session(store, R"({"a":1})");
        auto w = request(t0 + 1, id);
        w.expiry = ExpirySetting{ExpirySetting::Kind::Seconds, 60};
        auto r = write_sync(store, w);
        REQUIRE(r.outcome == WriteOutcome::Saved);
        CHECK(r.record.expiry_seconds == 60);
        CHECK(r.record.expires == t0 + 61);
        CHECK(load_sync(store, r.cookie_value, t0 + 60).status == LoadStatus::Found);
        CHECK(load_sync(store, r.cookie_value, t0 + 61).status == LoadStatus::Expired);

        r = write_sync(store, request(t0 + 10, r.cookie_value, {obj(R"({"b":1})")}));
        REQUIRE(r.outcome == WriteOutcome::Saved);
        CHECK(r.record.expiry_seconds == 60);  // absent: kept
        CHECK(r.record.expires == t0 + 70);

        auto browser = request(t0 + 20, r.cookie_value);
        browser.expiry = ExpirySetting{ExpirySetting::Kind::BrowserSession, 0};
        r = write_sync(store, browser);
        REQUIRE(r.outcome == WriteOutcome::Saved);
        CHECK(r.record.expiry_seconds == 0);
        CHECK(r.record.expires == t0 + 20 + 1000);

        auto back = request(t0 + 30, r.cookie_value);
        back.expiry = ExpirySetting{ExpirySetting::Kind::Default, 0};
        r = write_sync(store, back);
        REQUIRE(r.outcome == WriteOutcome::Saved);
        CHECK_FALSE(r.record.expiry_seconds);
        CHECK(r.record.expires == t0 + 30 + 1000);
        CHECK(load_sync(store, r.cookie_value, t0 + 30).record.expires == t0 + 1030);
    }

    SECTION("a touch saves the same data with a new expiry") {
        const auto id = start_session(store, R"({"a":1})");
        auto w = request(t0 + 500, id);
        w.touch = true;
        auto r = write_sync(store, w);
        REQUIRE(r.outcome == WriteOutcome::Saved);
        if (server_side) CHECK(r.cookie_value == id);
        CHECK(r.record.modified == t0 + 500);
        CHECK(r.record.expires == t0 + 1500);
        CHECK(load_sync(store, r.cookie_value, t0 + 1200).status == LoadStatus::Found);
        CHECK(data_of(store, r.cookie_value, t0 + 1200) == boost::json::parse(R"({"a":1})"));
        // No change asked for at all: nothing to do.
        CHECK(write_sync(store, request(t0 + 600, r.cookie_value)).outcome == WriteOutcome::Unchanged);
    }

    SECTION("max_lifetime caps the expiry, counted from creation") {
        auto w = request(t0, {}, {obj(R"({"a":1})")});
        w.policy.max_lifetime = 300;
        auto r = write_sync(store, w);
        REQUIRE(r.outcome == WriteOutcome::Saved);
        CHECK(r.record.expires == t0 + 300);
        const auto id = r.cookie_value;

        auto later = request(t0 + 250, id, {obj(R"({"b":1})")});
        later.policy.max_lifetime = 300;
        r = write_sync(store, later);
        REQUIRE(r.outcome == WriteOutcome::Saved);
        CHECK(r.record.expires == t0 + 300);  // not now + age
        CHECK(load_sync(store, r.cookie_value, t0 + 299).status == LoadStatus::Found);
        CHECK(load_sync(store, r.cookie_value, t0 + 300).status == LoadStatus::Expired);

        // A stricter lifetime (a route override) ends a session already past it.
        const auto id2 = start_session(store, R"({"a":1})");
        auto strict = request(t0 + 200, id2, {obj(R"({"b":1})")});
        strict.policy.max_lifetime = 100;
        CHECK(write_sync(store, strict).outcome == WriteOutcome::Gone);
        if (server_side) {
            CHECK(load_sync(store, id2, t0 + 200).status == LoadStatus::NotFound);
        }
    }

    SECTION("internal fields are kept with the session, apart from its data") {
        auto w = request(t0, {}, {obj(R"({"a":1})")});
        w.internal = {{"csrf", std::string("se\0cret", 7)}};
        const auto r = write_sync(store, w);
        REQUIRE(r.outcome == WriteOutcome::Saved);
        auto l = load_sync(store, r.cookie_value, t0);
        REQUIRE(l.status == LoadStatus::Found);
        CHECK(l.record.internal == std::map<std::string, std::string>{{"csrf", std::string("se\0cret", 7)}});
        CHECK(l.record.data_json == R"({"a":1})");
        // Kept by an update and by cycle, dropped by flush.
        auto update = request(t0 + 1, r.cookie_value, {obj(R"({"b":2})")});
        const auto updated = write_sync(store, update);
        REQUIRE(updated.outcome == WriteOutcome::Saved);
        auto cycle = request(t0 + 2, updated.cookie_value);
        cycle.action = SessionAction::Cycle;
        const auto cycled = write_sync(store, cycle);
        REQUIRE(cycled.outcome == WriteOutcome::Saved);
        CHECK(load_sync(store, cycled.cookie_value, t0 + 2).record.internal.count("csrf") == 1);
        auto flush = request(t0 + 3, cycled.cookie_value, {obj(R"({"c":3})")});
        flush.action = SessionAction::Flush;
        const auto flushed = write_sync(store, flush);
        REQUIRE(flushed.outcome == WriteOutcome::Saved);
        CHECK(load_sync(store, flushed.cookie_value, t0 + 3).record.internal.empty());
    }

    SECTION("a call past its deadline is answered Error and changes nothing") {
        const auto id = start_session(store, R"({"a":1})");
        const auto past = Deadline::clock::now() - std::chrono::milliseconds(1);
        auto w = request(t0 + 1, id, {obj(R"({"b":2})")});
        CHECK(write_sync(store, w, past).outcome == WriteOutcome::Error);
        CHECK(write_sync(store, request(t0, {}, {obj(R"({"c":3})")}), past).outcome == WriteOutcome::Error);
        CHECK(load_sync(store, id, t0, past).status == LoadStatus::Error);
        CHECK(data_of(store, id) == boost::json::parse(R"({"a":1})"));
        if (server_side) CHECK(admin->count() == 1);
    }

    if (ExpirySweep* sweeper = store.expiry_sweep()) {
        SECTION("sweep deletes exactly the expired sessions") {
            REQUIRE(admin);  // a store that sweeps keeps its sessions on a server
            std::vector<std::string> ids;
            for (int i = 0; i < 5; ++i) {
                auto w = request(t0, {}, {obj(R"({"a":1})")}, "h-" + std::to_string(i));
                w.expiry = ExpirySetting{ExpirySetting::Kind::Seconds, 100 * (i + 1)};
                ids.push_back(write_sync(store, w).cookie_value);
            }
            // Re-saving moves a session's expiry; its old index entry must not
            // make sweep delete it early.
            auto w = request(t0 + 50, ids[0]);
            w.touch = true;
            REQUIRE(write_sync(store, w).record.expires == t0 + 150);

            CHECK(sweeper->sweep(t0 + 99) == 0);
            CHECK(sweeper->sweep(t0 + 100) == 0);
            CHECK(load_sync(store, ids[0], t0 + 100).status == LoadStatus::Found);
            CHECK(sweeper->sweep(t0 + 200) == 2);
            CHECK(load_sync(store, ids[0], t0).status == LoadStatus::NotFound);
            CHECK(load_sync(store, ids[1], t0).status == LoadStatus::NotFound);
            CHECK(load_sync(store, ids[2], t0 + 200).status == LoadStatus::Found);
            CHECK(admin->count() == 3);
            auto left = admin->list(10, "");
            REQUIRE(left.size() == 3);
            CHECK(left[0].handle == "h-2");
            CHECK_FALSE(admin->find_by_handle("h-0"));
            CHECK(sweeper->sweep(t0 + 10000) == 3);
            CHECK(admin->count() == 0);
            CHECK(admin->list(10, "").empty());
            CHECK(sweeper->sweep(t0 + 10000) == 0);
        }
    }

    if (!server_side) return;

    SECTION("list is in handle order and paginated by `after`") {
        std::vector<int> order(25);
        for (int i = 0; i < 25; ++i) order[i] = i;
        std::shuffle(order.begin(), order.end(), std::mt19937(7));
        for (int i : order) {
            char handle[8];
            std::snprintf(handle, sizeof handle, "h%02d", i);
            start_session(store, R"({"n":)" + std::to_string(i) + "}", t0 + i, handle);
        }
        CHECK(admin->count() == 25);
        auto page1 = admin->list(10, "");
        REQUIRE(page1.size() == 10);
        CHECK(page1.front().handle == "h00");
        CHECK(page1.back().handle == "h09");
        CHECK(page1[3].created == t0 + 3);
        CHECK(page1[3].expires == t0 + 3 + 1000);
        CHECK(page1[3].bytes == std::string(R"({"n":3})").size());
        auto page2 = admin->list(10, page1.back().handle);
        REQUIRE(page2.size() == 10);
        CHECK(page2.front().handle == "h10");
        auto page3 = admin->list(10, page2.back().handle);
        REQUIRE(page3.size() == 5);
        CHECK(page3.back().handle == "h24");
        CHECK(admin->list(10, "h24").empty());
        auto between = admin->list(2, "h05x");  // `after` need not exist
        REQUIRE(between.size() == 2);
        CHECK(between[0].handle == "h06");
        CHECK(admin->list(0, "").empty());
    }

    SECTION("find and remove by handle") {
        const auto id = start_session(store, R"({"a":1})", t0, "h-find");
        auto found = admin->find_by_handle("h-find");
        REQUIRE(found);
        CHECK(found->data_json == R"({"a":1})");
        CHECK(found->handle == "h-find");
        CHECK_FALSE(admin->find_by_handle("h-none"));
        CHECK(admin->remove_by_handle("h-find"));
        CHECK_FALSE(admin->remove_by_handle("h-find"));
        CHECK_FALSE(admin->find_by_handle("h-find"));
        CHECK(load_sync(store, id, t0).status == LoadStatus::NotFound);
        CHECK(admin->count() == 0);
    }
}

}  // namespace sessiongate::session::testing
