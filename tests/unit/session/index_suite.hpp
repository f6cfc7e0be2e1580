// The secondary index's conformance suite, for every store whose admin()
// keeps an index: written against SessionAdmin alone. The factory hands out
// an empty store indexing `member_id` each time:
//
//     run_index_conformance([&] { return make_a_store_indexing_member_id(); });
#pragma once

#include "unit/session/store_suite.hpp"

#include <set>

namespace sessiongate::session::testing {

inline std::set<std::string> handles_of(SessionAdmin& admin, std::string value, std::int64_t now = suite_t0) {
    std::set<std::string> out;
    std::string cursor;
    do {
        auto page = admin.find_by_index({"member_id", value}, now, 2, cursor);
        for (const auto& s : page.sessions) CHECK(out.insert(s.handle).second);  // each once
        cursor = page.next;
    } while (!cursor.empty());
    return out;
}

inline std::string handle_of(Store& store, const std::string& cookie, std::int64_t now = suite_t0) {
    auto r = load_sync(store, cookie, now);
    REQUIRE(r.status == LoadStatus::Found);
    return r.record.handle;
}

inline void run_index_conformance(const StoreFactory& make) {
    auto store_ptr = make();
    Store& store = *store_ptr;
    SessionAdmin* const admin_ptr = store.admin();
    REQUIRE(admin_ptr != nullptr);
    SessionAdmin& admin = *admin_ptr;
    REQUIRE(admin.index_keys().size() == 1);
    const std::int64_t t0 = suite_t0;
    using Set = std::set<std::string>;

    SECTION("a saved session is found by its value, a number and its text alike") {
        const auto a = start_session(store, R"({"member_id":42,"x":1})");
        const auto b = start_session(store, R"({"member_id":"42"})");
        start_session(store, R"({"member_id":7})");
        start_session(store, R"({"other":42})");
        CHECK(handles_of(admin, "42") == Set{handle_of(store, a), handle_of(store, b)});
        CHECK(handles_of(admin, "7").size() == 1);
        CHECK(handles_of(admin, "8").empty());
        auto page = admin.find_by_index({"member_id", "42"}, t0, 10, {});
        REQUIRE(page.sessions.size() == 2);
        CHECK(page.next.empty());
        CHECK(page.sessions[0].created == t0);
        CHECK(page.sessions[0].modified == t0);
        CHECK(page.sessions[0].expires == t0 + 1000);
    }
    SECTION("a changed value moves the session; an emptied session leaves the index") {
        const auto a = start_session(store, R"({"member_id":1,"x":1})");
        REQUIRE(write_sync(store, request(t0 + 1, a, {obj(R"({"member_id":2})")})).outcome == WriteOutcome::Saved);
        CHECK(handles_of(admin, "1").empty());
        CHECK(handles_of(admin, "2") == Set{handle_of(store, a, t0 + 1)});
        REQUIRE(write_sync(store, request(t0 + 2, a, {obj(R"({"x":2})")})).outcome == WriteOutcome::Saved);
        CHECK(handles_of(admin, "2").size() == 1);  // other keys leave it be
        REQUIRE(write_sync(store, request(t0 + 3, a, {obj(R"({"member_id":null})")})).outcome ==
                WriteOutcome::Saved);
        CHECK(handles_of(admin, "2").empty());
        REQUIRE(write_sync(store, request(t0 + 4, a, {obj(R"({"member_id":3})")})).outcome == WriteOutcome::Saved);
        REQUIRE(write_sync(store, request(t0 + 5, a, {obj(R"({"member_id":null,"x":null})")})).outcome ==
                WriteOutcome::Deleted);
        CHECK(handles_of(admin, "3", t0 + 5).empty());
    }
    SECTION("cycle moves the entry to the new handle; flush and clear drop it") {
        const auto a = start_session(store, R"({"member_id":5})");
        const auto old_handle = handle_of(store, a);
        auto cycle = request(t0 + 1, a);
        cycle.action = SessionAction::Cycle;
        const auto cycled = write_sync(store, cycle);
        REQUIRE(cycled.outcome == WriteOutcome::Saved);
        CHECK(handles_of(admin, "5") == Set{cycled.record.handle});
        CHECK(cycled.record.handle != old_handle);

        auto flush = request(t0 + 2, cycled.cookie_value, {obj(R"({"cart":1})")});
        flush.action = SessionAction::Flush;
        REQUIRE(write_sync(store, flush).outcome == WriteOutcome::Saved);
        CHECK(handles_of(admin, "5").empty());

        const auto b = start_session(store, R"({"member_id":6})");
        auto clear = request(t0 + 3, b, {obj(R"({"member_id":7})")});
        clear.action = SessionAction::Clear;
        REQUIRE(write_sync(store, clear).outcome == WriteOutcome::Saved);
        CHECK(handles_of(admin, "6").empty());
        CHECK(handles_of(admin, "7").size() == 1);
    }
    SECTION("an expired session is not listed, and the sweep takes its entry") {
        auto w = request(t0, {}, {obj(R"({"member_id":9})")});
        w.policy.age = 10;
        REQUIRE(write_sync(store, w).outcome == WriteOutcome::Saved);
        start_session(store, R"({"member_id":9})");
        CHECK(handles_of(admin, "9", t0 + 5).size() == 2);
        CHECK(handles_of(admin, "9", t0 + 20).size() == 1);
        if (auto* sweep = store.expiry_sweep()) {
            REQUIRE(sweep->sweep(t0 + 20) == 1);
            // Nothing of the swept session is left to revoke.
            CHECK(admin.remove_by_index({"member_id", "9"}, {}) == 1);
        }
    }
    SECTION("pages follow the cursor, each session once, through deletions between pages") {
        for (int i = 0; i < 7; ++i) start_session(store, R"({"member_id":11})");
        auto first = admin.find_by_index({"member_id", "11"}, t0, 3, {});
        REQUIRE(first.sessions.size() == 3);
        REQUIRE_FALSE(first.next.empty());
        // The session the cursor points at goes before the next page.
        REQUIRE(admin.remove_by_handle(first.sessions.back().handle));
        auto rest = handles_of(admin, "11");
        CHECK(rest.size() == 6);
        std::set<std::string> seen;
        for (const auto& s : first.sessions) seen.insert(s.handle);
        auto second = admin.find_by_index({"member_id", "11"}, t0, 10, first.next);
        CHECK(second.sessions.size() == 4);
        for (const auto& s : second.sessions) CHECK(seen.insert(s.handle).second);
        CHECK(admin.find_by_index({"member_id", "11"}, t0, 10, "not a cursor!").sessions.empty());
    }
    SECTION("log out everywhere but one: the others are gone and cannot come back") {
        const auto keep = start_session(store, R"({"member_id":12})");
        std::vector<std::string> others;
        for (int i = 0; i < 4; ++i) others.push_back(start_session(store, R"({"member_id":12})"));
        const auto bystander = start_session(store, R"({"member_id":13})");
        CHECK(admin.remove_by_index({"member_id", "12"}, handle_of(store, keep)) == 4);
        CHECK(handles_of(admin, "12") == Set{handle_of(store, keep)});
        for (const auto& cookie : others) {
            CHECK(load_sync(store, cookie, t0).status == LoadStatus::NotFound);
            // A request that loaded it before cannot bring it back.
            CHECK(write_sync(store, request(t0 + 1, cookie, {obj(R"({"late":1})")})).outcome ==
                  WriteOutcome::Gone);
        }
        CHECK(load_sync(store, bystander, t0).status == LoadStatus::Found);
        CHECK(admin.remove_by_index({"member_id", "12"}, {}) == 1);
        CHECK(admin.remove_by_index({"member_id", "12"}, {}) == 0);
    }
    SECTION("a write by handle follows the response rules, atomically with the index") {
        const auto a = start_session(store, R"({"member_id":14,"x":1})");
        const auto handle = handle_of(store, a);
        SessionWrite patch = request(t0 + 1);
        patch.patches = {obj(R"({"member_id":15,"y":2})")};
        auto r = admin.write_by_handle(handle, patch);
        REQUIRE(r.outcome == WriteOutcome::Saved);
        CHECK(r.record.handle == handle);
        CHECK(data_of(store, a, t0 + 1) == boost::json::parse(R"({"member_id":15,"x":1,"y":2})"));
        CHECK(handles_of(admin, "14").empty());
        CHECK(handles_of(admin, "15") == Set{handle});

        patch.patches = {obj(R"({"big":")" + std::string(200, 'x') + R"("})")};
        patch.max_bytes = 100;
        CHECK(admin.write_by_handle(handle, patch).outcome == WriteOutcome::TooLarge);
        CHECK(data_of(store, a, t0 + 1) == boost::json::parse(R"({"member_id":15,"x":1,"y":2})"));

        patch.max_bytes = 16384;
        patch.patches = {obj(R"({"x":1})")};
        CHECK(admin.write_by_handle("no-such-handle", patch).outcome == WriteOutcome::Gone);
        auto cycle = patch;
        cycle.action = SessionAction::Cycle;
        CHECK(admin.write_by_handle(handle, cycle).outcome == WriteOutcome::Error);

        patch.patches = {obj(R"({"member_id":null,"x":null,"y":null})")};
        CHECK(admin.write_by_handle(handle, patch).outcome == WriteOutcome::Deleted);
        CHECK(handles_of(admin, "15").empty());
        CHECK(load_sync(store, a, t0 + 1).status == LoadStatus::NotFound);
    }
}

}  // namespace sessiongate::session::testing
