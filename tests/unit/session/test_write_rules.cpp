// The write rules with plain values: a write and the record stored now in,
// the next record out. No store involved.
#include "session/write_rules.hpp"

#include <boost/json/parse.hpp>

#include <catch2/catch.hpp>

using namespace sessiongate::session;

namespace {

constexpr std::int64_t t0 = 1'700'000'000;
const std::string current_id = "current-id";

SessionRecord stored(std::string data = R"({"a":1})") {
    SessionRecord r;
    r.handle = "h-current";
    r.data_json = std::move(data);
    r.created = t0 - 100;
    r.modified = t0 - 10;
    r.expires = t0 + 990;
    return r;
}

SessionWrite write_at(std::int64_t now, std::string current = current_id,
                      std::vector<std::string> patches = {}) {
    SessionWrite w;
    w.current = std::move(current);
    w.fresh_id = "fresh-id";
    w.fresh_handle = "h-fresh";
    for (const auto& patch : patches) w.patches.push_back(boost::json::parse(patch).as_object());
    w.now = now;
    w.policy.age = 1000;
    return w;
}

boost::json::value data_of(const NextRecord& next) { return boost::json::parse(next.record.data_json); }

}  // namespace

TEST_CASE("rules: a new session", "[write_rules]") {
    SECTION("starts under the fresh id with the patches applied") {
        const auto next = next_record(write_at(t0, "", {R"({"a":1})", R"({"b":{"c":2}})"}), nullptr);
        REQUIRE(next.outcome == WriteOutcome::Saved);
        CHECK(next.new_id);
        CHECK(next.id == "fresh-id");
        CHECK_FALSE(next.remove_current);
        CHECK(next.record.handle == "h-fresh");
        CHECK(next.record.created == t0);
        CHECK(next.record.modified == t0);
        CHECK(next.record.expires == t0 + 1000);
        CHECK(data_of(next) == boost::json::parse(R"({"a":1,"b":{"c":2}})"));
    }
    SECTION("with no data left is nothing at all (lazy)") {
        CHECK(next_record(write_at(t0, ""), nullptr).outcome == WriteOutcome::Unchanged);
        CHECK(next_record(write_at(t0, "", {R"({"a":1})", R"({"a":null})"}), nullptr).outcome ==
              WriteOutcome::Unchanged);
    }
    SECTION("a record passed without a current id is ignored: never adopted") {
        const auto record = stored();
        const auto next = next_record(write_at(t0, "", {R"({"b":2})"}), &record);
        REQUIRE(next.outcome == WriteOutcome::Saved);
        CHECK(next.id == "fresh-id");
        CHECK_FALSE(next.remove_current);
        CHECK(data_of(next) == boost::json::parse(R"({"b":2})"));
    }
    SECTION("an empty or too long fresh handle is refused") {
        auto w = write_at(t0, "", {R"({"a":1})"});
        w.fresh_handle.clear();
        CHECK(next_record(w, nullptr).outcome == WriteOutcome::Error);
        w.fresh_handle.assign(max_handle_bytes + 1, 'h');
        CHECK(next_record(w, nullptr).outcome == WriteOutcome::Error);
    }
}

TEST_CASE("rules: updates of a live session", "[write_rules]") {
    const auto record = stored(R"({"a":1,"b":{"x":1}})");

    SECTION("patches merge in order into the data as stored now") {
        const auto next = next_record(write_at(t0, current_id, {R"({"b":{"y":2}})", R"({"a":null})"}), &record);
        REQUIRE(next.outcome == WriteOutcome::Saved);
        CHECK_FALSE(next.new_id);
        CHECK(next.id == current_id);
        CHECK(next.remove_current);  // replaced
        CHECK(next.record.handle == "h-current");
        CHECK(next.record.created == t0 - 100);
        CHECK(next.record.modified == t0);
        CHECK(next.record.expires == t0 + 1000);
        CHECK(data_of(next) == boost::json::parse(R"({"b":{"x":1,"y":2}})"));
    }
    SECTION("nothing asked: unchanged") {
        CHECK(next_record(write_at(t0), &record).outcome == WriteOutcome::Unchanged);
    }
    SECTION("a touch keeps the data text as it is and moves the expiry") {
        auto w = write_at(t0 + 500);
        w.touch = true;
        const auto next = next_record(w, &record);
        REQUIRE(next.outcome == WriteOutcome::Saved);
        CHECK(next.record.data_json == record.data_json);
        CHECK(next.record.expires == t0 + 1500);
    }
    SECTION("becoming empty deletes it") {
        const auto next = next_record(write_at(t0, current_id, {R"({"a":null,"b":null})"}), &record);
        CHECK(next.outcome == WriteOutcome::Deleted);
        CHECK(next.remove_current);
    }
    SECTION("over max_bytes: refused, nothing removed") {
        auto w = write_at(t0, current_id, {R"({"big":")" + std::string(100, 'x') + R"("})"});
        w.max_bytes = 50;
        const auto next = next_record(w, &record);
        CHECK(next.outcome == WriteOutcome::TooLarge);
        CHECK_FALSE(next.remove_current);
    }
    SECTION("stored data that is not an object is an error, not a reset") {
        const auto damaged = stored("[1]");
        CHECK(next_record(write_at(t0, current_id, {R"({"b":1})"}), &damaged).outcome == WriteOutcome::Error);
    }
}

TEST_CASE("rules: actions", "[write_rules]") {
    auto record = stored(R"({"user":7})");
    record.expiry_seconds = 60;
    record.internal = {{"csrf", "secret"}};

    SECTION("cycle: new id and handle, same data, creation time, expiry and internal fields") {
        auto w = write_at(t0, current_id, {R"({"in":true})"});
        w.action = SessionAction::Cycle;
        const auto next = next_record(w, &record);
        REQUIRE(next.outcome == WriteOutcome::Saved);
        CHECK(next.new_id);
        CHECK(next.id == "fresh-id");
        CHECK(next.remove_current);
        CHECK(next.record.handle == "h-fresh");
        CHECK(next.record.created == t0 - 100);
        CHECK(next.record.expiry_seconds == 60);
        CHECK(next.record.expires == t0 + 60);
        CHECK(next.record.internal == record.internal);
        CHECK(data_of(next) == boost::json::parse(R"({"user":7,"in":true})"));
    }
    SECTION("flush: deleted; with updates a fresh session holding only them") {
        auto w = write_at(t0);
        w.action = SessionAction::Flush;
        auto next = next_record(w, &record);
        CHECK(next.outcome == WriteOutcome::Deleted);
        CHECK(next.remove_current);

        w.patches.push_back(boost::json::parse(R"({"msg":"bye"})").as_object());
        next = next_record(w, &record);
        REQUIRE(next.outcome == WriteOutcome::Saved);
        CHECK(next.new_id);
        CHECK(next.remove_current);
        CHECK(next.record.created == t0);
        CHECK_FALSE(next.record.expiry_seconds);
        CHECK(next.record.internal.empty());
        CHECK(data_of(next) == boost::json::parse(R"({"msg":"bye"})"));
    }
    SECTION("clear: same id, data, expiry and internal fields gone; updates start afresh") {
        auto w = write_at(t0, current_id, {R"({"z":0})"});
        w.action = SessionAction::Clear;
        auto next = next_record(w, &record);
        REQUIRE(next.outcome == WriteOutcome::Saved);
        CHECK_FALSE(next.new_id);
        CHECK(next.record.handle == "h-current");
        CHECK_FALSE(next.record.expiry_seconds);
        CHECK(next.record.internal.empty());
        CHECK(data_of(next) == boost::json::parse(R"({"z":0})"));
        w.patches.clear();
        CHECK(next_record(w, &record).outcome == WriteOutcome::Deleted);
    }
}

TEST_CASE("rules: a session gone meanwhile is never brought back", "[write_rules]") {
    auto expired = stored();
    expired.expires = t0;  // expires at now: gone
    for (const auto action : {SessionAction::None, SessionAction::Cycle, SessionAction::Clear}) {
        auto w = write_at(t0, current_id, {R"({"b":2})"});
        w.action = action;
        w.touch = true;
        CHECK(next_record(w, nullptr).outcome == WriteOutcome::Gone);
        const auto next = next_record(w, &expired);
        CHECK(next.outcome == WriteOutcome::Gone);
        CHECK_FALSE(next.remove_current);  // the sweep's job
    }
    SECTION("only a flush goes on: it starts afresh anyway") {
        auto w = write_at(t0, current_id, {R"({"b":2})"});
        w.action = SessionAction::Flush;
        auto next = next_record(w, nullptr);
        REQUIRE(next.outcome == WriteOutcome::Saved);
        CHECK(next.new_id);
        CHECK_FALSE(next.remove_current);
        next = next_record(w, &expired);
        CHECK(next.outcome == WriteOutcome::Saved);
        CHECK(next.remove_current);  // the expired record goes with it
        w.patches.clear();
        CHECK(next_record(w, nullptr).outcome == WriteOutcome::Unchanged);
        CHECK(next_record(w, &expired).outcome == WriteOutcome::Deleted);
    }
}

TEST_CASE("rules: expiry", "[write_rules]") {
    const auto record = stored();
    auto w = write_at(t0);
    SECTION("own seconds") {
        w.expiry = ExpirySetting{ExpirySetting::Kind::Seconds, 60};
        const auto next = next_record(w, &record);
        CHECK(next.record.expiry_seconds == 60);
        CHECK(next.record.expires == t0 + 60);
    }
    SECTION("browser session: kept for the configured age") {
        w.expiry = ExpirySetting{ExpirySetting::Kind::BrowserSession, 0};
        const auto next = next_record(w, &record);
        CHECK(next.record.expiry_seconds == 0);
        CHECK(next.record.expires == t0 + 1000);
    }
    SECTION("back to the default, and kept when not mentioned") {
        auto own = record;
        own.expiry_seconds = 60;
        w.expiry = ExpirySetting{ExpirySetting::Kind::Default, 0};
        CHECK_FALSE(next_record(w, &own).record.expiry_seconds);
        auto update = write_at(t0, current_id, {R"({"b":1})"});
        CHECK(next_record(update, &own).record.expiry_seconds == 60);
    }
    SECTION("max_lifetime caps it from creation, and ends a session past it") {
        auto update = write_at(t0, current_id, {R"({"b":1})"});
        update.policy.max_lifetime = 300;
        CHECK(next_record(update, &record).record.expires == t0 - 100 + 300);
        update.policy.max_lifetime = 100;
        const auto next = next_record(update, &record);
        CHECK(next.outcome == WriteOutcome::Gone);
        CHECK(next.remove_current);
    }
}

TEST_CASE("rules: internal fields", "[write_rules]") {
    SECTION("set and removed by a write, kept by updates") {
        auto record = stored();
        record.internal = {{"csrf", "s1"}, {"other", "x"}};
        auto w = write_at(t0, current_id, {R"({"b":1})"});
        w.internal = {{"csrf", "s2"}, {"other", std::nullopt}};
        const auto next = next_record(w, &record);
        REQUIRE(next.outcome == WriteOutcome::Saved);
        CHECK(next.record.internal == std::map<std::string, std::string>{{"csrf", "s2"}});
        auto keep = write_at(t0, current_id, {R"({"c":1})"});
        CHECK(next_record(keep, &next.record).record.internal == next.record.internal);
    }
    SECTION("a change of internal fields alone is a write") {
        const auto record = stored();
        auto w = write_at(t0);
        w.internal = {{"csrf", "s"}};
        const auto next = next_record(w, &record);
        REQUIRE(next.outcome == WriteOutcome::Saved);
        CHECK(next.record.data_json == record.data_json);
    }
    SECTION("internal fields never keep a session without data") {
        // A new session of internal fields alone is never started.
        auto w = write_at(t0, "");
        w.internal = {{"csrf", "s"}};
        CHECK(next_record(w, nullptr).outcome == WriteOutcome::Unchanged);
        // A session whose last key goes is deleted, its secret with it.
        auto record = stored();
        record.data_json = R"({"a":1})";
        record.internal = {{"csrf", "s"}};
        auto emptied = write_at(t0, current_id, {R"({"a":null})"});
        emptied.internal = {{"csrf", "s2"}};
        const auto next = next_record(emptied, &record);
        CHECK(next.outcome == WriteOutcome::Deleted);
        CHECK(next.remove_current);
    }
}

// -- the secondary index

namespace {

const std::vector<std::string> indexed{"member_id", "team"};

std::vector<IndexEntry> entries(std::initializer_list<std::pair<const char*, const char*>> list) {
    std::vector<IndexEntry> out;
    for (const auto& [k, v] : list) out.push_back({k, v});
    return out;
}

}  // namespace

TEST_CASE("index: the entries of a session's data", "[write_rules][index]") {
    CHECK(index_entries(indexed, R"({"member_id":42,"team":"blue","x":1})") ==
          entries({{"member_id", "42"}, {"team", "blue"}}));
    CHECK(index_entries(indexed, R"({"member_id":"42"})") == entries({{"member_id", "42"}}));
    CHECK(index_entries(indexed, R"({"member_id":true})") == entries({{"member_id", "true"}}));
    // Not identities: null, objects, arrays, empty and over-long text.
    CHECK(index_entries(indexed, R"({"member_id":null,"team":{"a":1}})").empty());
    CHECK(index_entries(indexed, R"({"member_id":[1],"team":""})").empty());
    CHECK(index_entries(indexed, R"({"member_id":")" + std::string(max_index_value_bytes + 1, 'x') + R"("})").empty());
    CHECK(index_entries(indexed, R"({"member_id":")" + std::string(max_index_value_bytes, 'x') + R"("})").size() == 1);
    CHECK(index_entries(indexed, "not json").empty());
    CHECK(index_entries({}, R"({"member_id":1})").empty());
    CHECK(index_lookup_value("42") == std::optional<std::string>("42"));
    CHECK_FALSE(index_lookup_value(""));
    CHECK_FALSE(index_lookup_value(std::string(max_index_value_bytes + 1, '1')));
}

TEST_CASE("index: what each write adds and removes", "[write_rules][index]") {
    const SessionRecord current = stored(R"({"member_id":1,"team":"a"})");
    SECTION("a new session adds its entries") {
        const auto next = next_record(write_at(t0, "", {R"({"member_id":1})"}), nullptr, indexed);
        CHECK(next.index.remove.empty());
        CHECK(next.index.add == entries({{"member_id", "1"}}));
    }
    SECTION("an update under the same id moves only what changed") {
        const auto next = next_record(write_at(t0, current_id, {R"({"member_id":2,"x":1})"}), &current, indexed);
        REQUIRE(next.outcome == WriteOutcome::Saved);
        CHECK(next.index.remove == entries({{"member_id", "1"}}));
        CHECK(next.index.add == entries({{"member_id", "2"}}));
        const auto other = next_record(write_at(t0, current_id, {R"({"x":1})"}), &current, indexed);
        CHECK(other.index.empty());
    }
    SECTION("a touch or an expiry change moves nothing") {
        auto w = write_at(t0);
        w.touch = true;
        w.expiry = ExpirySetting{ExpirySetting::Kind::Seconds, 60};
        const auto next = next_record(w, &current, indexed);
        REQUIRE(next.outcome == WriteOutcome::Saved);
        CHECK(next.index.empty());
    }
    SECTION("cycle moves every entry to the new id") {
        auto w = write_at(t0);
        w.action = SessionAction::Cycle;
        const auto next = next_record(w, &current, indexed);
        REQUIRE(next.new_id);
        CHECK(next.index.remove == entries({{"member_id", "1"}, {"team", "a"}}));
        CHECK(next.index.add == next.index.remove);
    }
    SECTION("flush removes them all and adds the fresh session's") {
        auto w = write_at(t0, current_id, {R"({"team":"b"})"});
        w.action = SessionAction::Flush;
        const auto next = next_record(w, &current, indexed);
        CHECK(next.index.remove == entries({{"member_id", "1"}, {"team", "a"}}));
        CHECK(next.index.add == entries({{"team", "b"}}));
    }
    SECTION("clear keeps the id but not the entries") {
        auto w = write_at(t0, current_id, {R"({"x":1})"});
        w.action = SessionAction::Clear;
        const auto next = next_record(w, &current, indexed);
        REQUIRE_FALSE(next.new_id);
        CHECK(next.index.remove == entries({{"member_id", "1"}, {"team", "a"}}));
        CHECK(next.index.add.empty());
    }
    SECTION("an emptied session takes its entries with it") {
        const auto next =
            next_record(write_at(t0, current_id, {R"({"member_id":null,"team":null})"}), &current, indexed);
        REQUIRE(next.outcome == WriteOutcome::Deleted);
        CHECK(next.index.remove == entries({{"member_id", "1"}, {"team", "a"}}));
        CHECK(next.index.add.empty());
    }
    SECTION("a session past max_lifetime goes with its entries") {
        auto w = write_at(t0, current_id, {R"({"x":1})"});
        w.policy.max_lifetime = 50;
        const auto next = next_record(w, &current, indexed);
        REQUIRE(next.outcome == WriteOutcome::Gone);
        CHECK(next.index.remove.size() == 2);
    }
    SECTION("a refused or late write moves nothing") {
        auto big = write_at(t0, current_id, {R"({"member_id":9,"pad":")" + std::string(100, 'x') + R"("})"});
        big.max_bytes = 50;
        CHECK(next_record(big, &current, indexed).index.empty());
        CHECK(next_record(write_at(t0, current_id, {R"({"member_id":9})"}), nullptr, indexed).index.empty());
        SessionRecord expired = current;
        expired.expires = t0;
        CHECK(next_record(write_at(t0, current_id, {R"({"member_id":9})"}), &expired, indexed).index.empty());
    }
    SECTION("without indexed keys there is nothing to compute") {
        CHECK(next_record(write_at(t0, current_id, {R"({"member_id":2})"}), &current).index.empty());
    }
}
