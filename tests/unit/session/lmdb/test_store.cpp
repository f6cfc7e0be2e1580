#include "session/lmdb/lmdb.hpp"
#include "session/lmdb/store.hpp"
#include "session/lmdb/tables.hpp"
#include "session/crypto/sealed_box.hpp"
#include "session/record_codec.hpp"
#include "session/sealed_record.hpp"
#include "session/sweeper.hpp"

#include "unit/fixture_file.hpp"
#include "unit/hex.hpp"
#include "unit/temp_dir.hpp"
#include "unit/session/index_suite.hpp"
#include "unit/session/store_suite.hpp"

#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

using namespace sessiongate::session;
using namespace sessiongate::session::testing;
using sessiongate::config::Durability;
using sessiongate::config::StoreSettings;
using sessiongate::test::TempDir;

namespace {

StoreSettings settings_in(const TempDir& dir, Durability durability = Durability::Fsync) {
    StoreSettings s;
    s.path = dir.path() + "/sessions";
    s.durability = durability;
    s.map_size = 1 << 20;
    s.max_map_size = 64 << 20;
    return s;
}

/// The key ring every store of these tests seals its records with.
const sessiongate::session::crypto::KeyRing& test_ring() {
    static const sessiongate::session::crypto::KeyRing ring({std::string(40, 't')});
    return ring;
}

std::string filler(std::size_t n) {
    return std::string(n, 'x');
}

boost::json::object big_patch(std::size_t bytes) {
    boost::json::object o;
    o["pad"] = filler(bytes);
    return o;
}

}  // namespace

TEST_CASE("LmdbStore passes the store conformance suite", "[store][lmdb]") {
    TempDir dir;
    run_store_conformance([&] { return std::make_unique<LmdbStore>(settings_in(dir), test_ring()); });
}

TEST_CASE("LmdbStore passes the index conformance suite", "[store][lmdb][index]") {
    TempDir dir;
    run_index_conformance(
        [&] { return std::make_unique<LmdbStore>(settings_in(dir), test_ring(), std::vector<std::string>{"member_id"}); });
}

namespace {

/// Entries of the store's secondary index table, read with the store closed.
std::size_t index_table_entries(const TempDir& dir) {
    auto env = lmdb::Env::open(dir.path() + "/sessions", MDB_NOTLS, 0600,
                               [](MDB_env* e) -> lmdb::Status { return mdb_env_set_maxdbs(e, 8); });
    lmdb::Txn txn;
    REQUIRE(lmdb::Txn::begin(env, MDB_RDONLY, txn).ok());
    lmdb::Dbi dbi;
    REQUIRE(lmdb::Dbi::open(txn, "index", MDB_DUPSORT, dbi).ok());
    std::size_t n = 0;
    REQUIRE(lmdb::entries(txn, dbi, n).ok());
    return n;
}

}  // namespace

TEST_CASE("LmdbStore keeps no index entry of a swept, deleted or revoked session", "[store][lmdb][index]") {
    TempDir dir;
    const std::vector<std::string> keys{"member_id", "team"};
    {
        LmdbStore store(settings_in(dir), test_ring(), keys);
        auto w = request(suite_t0, {}, {obj(R"({"member_id":1,"team":"a"})")});
        w.policy.age = 10;
        REQUIRE(write_sync(store, w).outcome == WriteOutcome::Saved);  // 2 entries, swept below
        const auto deleted = start_session(store, R"({"member_id":2,"team":"a"})");
        REQUIRE(write_sync(store, request(suite_t0, deleted, {obj(R"({"member_id":null,"team":null})")})).outcome ==
                WriteOutcome::Deleted);
        const auto revoked = start_session(store, R"({"member_id":3})");
        REQUIRE(store.admin()->remove_by_handle(handle_of(store, revoked)));
        start_session(store, R"({"member_id":4,"team":"b","n":{"member_id":5}})");  // 2 entries kept
        REQUIRE(store.expiry_sweep()->sweep(suite_t0 + 20) == 1);
    }
    CHECK(index_table_entries(dir) == 2);
}

TEST_CASE("LmdbStore enters the sessions saved before the index was turned on", "[store][lmdb][index]") {
    TempDir dir;
    {
        LmdbStore plain(settings_in(dir), test_ring());
        start_session(plain, R"({"member_id":1})");
        start_session(plain, R"({"member_id":1,"team":"x"})");
        CHECK(plain.admin()->index_keys().empty());
    }
    {
        LmdbStore indexed(settings_in(dir), test_ring(), {"member_id"});
        CHECK(handles_of(*indexed.admin(), "1").size() == 2);
    }
    CHECK(index_table_entries(dir) == 2);
    {
        LmdbStore other(settings_in(dir), test_ring(), {"team"});
        CHECK(handles_of(*other.admin(), "1").empty());
        CHECK(other.admin()->find_by_index({"team", "x"}, suite_t0, 10, {}).sessions.size() == 1);
    }
    CHECK(index_table_entries(dir) == 1);
    { LmdbStore off(settings_in(dir), test_ring()); }
    CHECK(index_table_entries(dir) == 0);
}

TEST_CASE("LmdbStore passes the suite with relaxed durability and batching", "[store][lmdb]") {
    TempDir dir;
    auto s = settings_in(dir, Durability::None);
    s.commit_delay = std::chrono::milliseconds(2);
    run_store_conformance([&] { return std::make_unique<LmdbStore>(s, test_ring()); });
}

TEST_CASE("LmdbStore commits concurrent writes in groups", "[store][lmdb]") {
    TempDir dir;
    LmdbStore store(settings_in(dir), test_ring());
    constexpr int threads = 8;
    constexpr int per_thread = 50;
    std::atomic<int> saved{0};
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
        pool.emplace_back([&] {
            std::vector<std::future<WriteResult>> pending;
            for (int i = 0; i < per_thread; ++i) {
                auto p = std::make_shared<std::promise<WriteResult>>();
                pending.push_back(p->get_future());
                store.write(request(suite_t0, {}, {obj(R"({"a":1})")}), far_deadline(),
                            [p](WriteResult r) { p->set_value(std::move(r)); });
            }
            for (auto& f : pending) {
                if (f.get().outcome == WriteOutcome::Saved) ++saved;
            }
        });
    }
    for (auto& th : pool) th.join();
    CHECK(saved == threads * per_thread);
    CHECK(store.admin()->count() == threads * per_thread);
    const auto stats = store.stats();
    CHECK(stats.jobs == threads * per_thread);
    // Writes that queue while a commit is syncing share the next one.
    CHECK(stats.commits < stats.jobs);
    INFO("commits " << stats.commits << " for " << stats.jobs << " writes");
}

TEST_CASE("LmdbStore keeps its data across close and reopen", "[store][lmdb]") {
    TempDir dir;
    for (auto durability : {Durability::Fsync, Durability::Os, Durability::None}) {
        std::string id;
        {
            LmdbStore store(settings_in(dir, durability), test_ring());
            id = start_session(store, R"({"kept":true})", suite_t0, "h-reopen");
        }
        LmdbStore store(settings_in(dir, durability), test_ring());
        CHECK(data_of(store, id) == boost::json::parse(R"({"kept":true})"));
        REQUIRE(store.admin()->find_by_handle("h-reopen"));
        CHECK(store.admin()->count() == 1);
        REQUIRE(store.admin()->remove_by_handle("h-reopen"));
    }
}

TEST_CASE("LmdbStore refuses a second handle on one directory in one process", "[store][lmdb]") {
    TempDir dir;
    auto store = std::make_unique<LmdbStore>(settings_in(dir), test_ring());
    const auto id = start_session(*store, R"({"a":1})");
    auto same = settings_in(dir);
    same.path += "/.";  // the same directory spelled differently
    CHECK_THROWS_WITH(LmdbStore(same, test_ring()), Catch::Contains("already open"));
    // The first handle still works, and after it closes the directory opens again.
    CHECK(data_of(*store, id) == boost::json::parse(R"({"a":1})"));
    store.reset();
    LmdbStore again(settings_in(dir), test_ring());
    CHECK(data_of(again, id) == boost::json::parse(R"({"a":1})"));
}

TEST_CASE("LmdbStore grows a tiny map instead of failing", "[store][lmdb]") {
    TempDir dir;
    auto s = settings_in(dir, Durability::None);
    s.map_size = 64 << 10;
    s.max_map_size = 64 << 20;
    LmdbStore store(s, test_ring());
    const auto initial = store.stats().map_size;

    // Readers run all along, so resizing has to wait for them each time.
    std::atomic<bool> done{false};
    std::atomic<int> reads{0}, misses{0};
    const auto probe = start_session(store, R"({"probe":1})");
    std::thread reader([&] {
        while (!done) {
            auto r = load_sync(store, probe, suite_t0);
            ++(r.status == LoadStatus::Found ? reads : misses);
        }
    });
    while (reads == 0) std::this_thread::yield();  // reading before the first resize
    std::vector<std::string> ids;
    for (int i = 0; i < 600; ++i) {
        auto r = write_sync(store, request(suite_t0, {}, {big_patch(4000)}));
        REQUIRE(r.outcome == WriteOutcome::Saved);
        ids.push_back(r.cookie_value);
    }
    done = true;
    reader.join();
    CHECK(misses == 0);
    CHECK(reads > 0);
    const auto stats = store.stats();
    CHECK(stats.map_grows > 0);
    CHECK(stats.map_size > initial);
    CHECK(store.admin()->count() == 601);
    CHECK(load_sync(store, ids.front(), suite_t0).status == LoadStatus::Found);
    CHECK(load_sync(store, ids.back(), suite_t0).status == LoadStatus::Found);
}

TEST_CASE("LmdbStore answers Full when the map cannot grow, and keeps working", "[store][lmdb]") {
    TempDir dir;
    auto s = settings_in(dir, Durability::None);
    s.map_size = 64 << 10;
    s.max_map_size = 256 << 10;
    LmdbStore store(s, test_ring());
    const auto first = start_session(store, R"({"first":1})", suite_t0, "h-first");
    WriteResult last;
    int saved = 0;
    for (int i = 0; i < 200; ++i) {
        last = write_sync(store, request(suite_t0, {}, {big_patch(4000)}));
        if (last.outcome != WriteOutcome::Saved) break;
        ++saved;
    }
    CHECK(saved > 0);
    CHECK(last.outcome == WriteOutcome::Full);
    CHECK(store.stats().map_size == s.max_map_size);
    CHECK(data_of(store, first) == boost::json::parse(R"({"first":1})"));
    // Small writes and deletes may still fit; the store is not broken.
    CHECK(store.admin()->count() == static_cast<std::size_t>(saved + 1));
    CHECK(store.expiry_sweep()->sweep(suite_t0 + 5000) > 0);
    CHECK(store.admin()->count() == 0);
    // Pages freed by a commit are reusable from the commit after next (LMDB
    // keeps them for readers of the previous snapshot), so space comes back
    // within a few writes.
    int attempts = 0;
    while (write_sync(store, request(suite_t0, {}, {big_patch(4000)})).outcome !=
           WriteOutcome::Saved) {
        REQUIRE(++attempts < 5);
        write_sync(store, request(suite_t0, {}, {obj(R"({"small":1})")}));
    }
}

TEST_CASE("LmdbStore at its size limit still commits the writes of a batch that fit",
          "[store][lmdb]") {
    TempDir dir;
    auto s = settings_in(dir, Durability::None);
    s.map_size = 64 << 10;
    s.max_map_size = 256 << 10;
    s.commit_delay = std::chrono::milliseconds(50);  // one batch below
    LmdbStore store(s, test_ring());
    while (write_sync(store, request(suite_t0, {}, {big_patch(3000)})).outcome ==
           WriteOutcome::Saved) {
    }
    const auto before = store.admin()->count();

    std::vector<std::future<WriteResult>> pending;
    auto submit = [&](SessionWrite w) {
        auto p = std::make_shared<std::promise<WriteResult>>();
        pending.push_back(p->get_future());
        store.write(std::move(w), far_deadline(), [p](WriteResult r) { p->set_value(std::move(r)); });
    };
    auto huge = request(suite_t0, {}, {big_patch(200000)});
    huge.max_bytes = 1 << 20;
    submit(std::move(huge));
    for (int i = 0; i < 3; ++i) submit(request(suite_t0, {}, {obj(R"({"s":1})")}));
    CHECK(pending[0].get().outcome == WriteOutcome::Full);
    for (std::size_t i = 1; i < pending.size(); ++i) {
        CHECK(pending[i].get().outcome == WriteOutcome::Saved);
    }
    CHECK(store.admin()->count() == before + 3);
}

TEST_CASE("LmdbStore shares its directory with another process", "[store][lmdb]") {
    TempDir dir;
    auto s = settings_in(dir, Durability::Fsync);
    // The child plays `sessiongate sessions ...`: its own environment on the
    // same files while this one stays open. It grows the map past this
    // process's, which must then adopt the new size (MDB_MAP_RESIZED).
    // It is forked before this process starts its store's writer thread (a
    // child of a threaded process may not start threads of its own under
    // ThreadSanitizer), and begins when the pipe says the sessions are there
    // (or ends with 15 if this process failed first and closed it).
    int go[2];
    REQUIRE(pipe(go) == 0);
    std::fflush(nullptr);
    const pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        close(go[1]);
        char byte = 0;
        if (read(go[0], &byte, 1) != 1) _exit(15);
        int code = 0;
        try {
            auto cs = s;
            cs.map_size = 1 << 20;
            cs.durability = Durability::None;
            LmdbStore other(cs, test_ring());
            auto found = other.admin()->find_by_handle("h-server");
            if (!found || found->data_json != R"({"who":"server"})") code = 10;
            if (code == 0 && !other.admin()->remove_by_handle("h-server")) code = 11;
            for (int i = 0; code == 0 && i < 1500; ++i) {
                auto r = write_sync(other, request(suite_t0, {}, {big_patch(4000)},
                                                   "h-child-" + std::to_string(i)));
                if (r.outcome != WriteOutcome::Saved) code = 12;
            }
            if (code == 0 && other.stats().map_grows == 0) code = 13;
        } catch (...) {
            code = 14;
        }
        _exit(code);
    }
    close(go[0]);
    LmdbStore store(s, test_ring());
    const auto id = start_session(store, R"({"who":"server"})", suite_t0, "h-server");
    const auto keep = start_session(store, R"({"who":"kept"})", suite_t0, "h-kept");
    REQUIRE(write(go[1], "g", 1) == 1);
    close(go[1]);
    int status = 0;
    REQUIRE(waitpid(child, &status, 0) == child);
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) == 0);

    CHECK(load_sync(store, id, suite_t0).status == LoadStatus::NotFound);
    CHECK(data_of(store, keep) == boost::json::parse(R"({"who":"kept"})"));
    CHECK(store.admin()->count() == 1501);
    auto child_session = store.admin()->find_by_handle("h-child-1499");
    REQUIRE(child_session);
    CHECK(child_session->data_json.size() > 4000);
    CHECK(write_sync(store, request(suite_t0, keep, {obj(R"({"after":1})")})).outcome ==
          WriteOutcome::Saved);
    CHECK(store.stats().map_size >= (4u << 20));
}

TEST_CASE("Sweeper sweeps in the background and stops promptly", "[store][lmdb]") {
    TempDir dir;
    LmdbStore store(settings_in(dir, Durability::None), test_ring());
    for (int i = 0; i < 30; ++i) {
        auto w = request(suite_t0, {}, {obj(R"({"a":1})")});
        w.policy.age = i < 20 ? 10 : 100000;
        start_session(store, R"({"a":1})");
        REQUIRE(write_sync(store, w).outcome == WriteOutcome::Saved);
    }
    REQUIRE(store.admin()->count() == 60);
    std::atomic<std::size_t> reported{0};
    {
        Sweeper sweeper(
            *store.expiry_sweep(), std::chrono::milliseconds(5), [] { return suite_t0 + 500; },
            [&](std::size_t n) { reported += n; });
        for (int i = 0; i < 2000 && store.admin()->count() != 40; ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
    }
    // The 20 with age 10 expired at t0+10; the others live past t0+500.
    CHECK(store.admin()->count() == 40);
    CHECK(reported == 20);

    const auto before = std::chrono::steady_clock::now();
    { Sweeper idle(*store.expiry_sweep(), std::chrono::hours(1)); }
    CHECK(std::chrono::steady_clock::now() - before < std::chrono::milliseconds(500));
}

TEST_CASE("lmdb wrappers: not found is an empty optional, handles move", "[store][lmdb]") {
    TempDir dir;
    auto env = lmdb::Env::open(dir.path(), MDB_NOTLS, 0600,
                               [](MDB_env* e) -> lmdb::Status { return mdb_env_set_maxdbs(e, 2); });
    lmdb::Txn txn;
    REQUIRE(lmdb::Txn::begin(env, 0, txn).ok());
    lmdb::Dbi dbi;
    REQUIRE(lmdb::Dbi::open(txn, "t", MDB_CREATE, dbi).ok());
    std::optional<std::string_view> value;
    REQUIRE(lmdb::get(txn, dbi, "k", value).ok());
    CHECK_FALSE(value);
    REQUIRE(lmdb::put(txn, dbi, "k", "v").ok());
    REQUIRE(lmdb::get(txn, dbi, "k", value).ok());
    REQUIRE(value);
    CHECK(*value == "v");
    bool existed = false;
    REQUIRE(lmdb::del(txn, dbi, "k", &existed).ok());
    CHECK(existed);
    REQUIRE(lmdb::del(txn, dbi, "k", &existed).ok());
    CHECK_FALSE(existed);
    lmdb::Txn moved = std::move(txn);
    CHECK_FALSE(txn);
    REQUIRE(moved.commit().ok());
    CHECK_FALSE(moved);  // committed handles are released

    CHECK_THROWS_AS(lmdb::Env::open(dir.path() + "/missing/dir", 0, 0600,
                                    [](MDB_env*) { return lmdb::Status{}; }),
                    lmdb::Error);
}

TEST_CASE("LmdbStore reports a damaged record instead of trusting it", "[store][lmdb]") {
    TempDir dir;
    const auto s = settings_in(dir);
    const auto id = new_session_id();
    {
        LmdbStore store(s, test_ring());  // creates the databases
    }
    {
        auto env = lmdb::Env::open(s.path, MDB_NOTLS, 0600, [](MDB_env* e) -> lmdb::Status {
            return mdb_env_set_maxdbs(e, 8);
        });
        lmdb::Txn txn;
        REQUIRE(lmdb::Txn::begin(env, 0, txn).ok());
        lmdb::Dbi sessions;
        REQUIRE(lmdb::Dbi::open(txn, "sessions", 0, sessions).ok());
        REQUIRE(lmdb::put(txn, sessions, storage_key(id), "\x01garbage").ok());
        REQUIRE(txn.commit().ok());
    }
    LmdbStore store(s, test_ring());
    auto loaded = load_sync(store, id, suite_t0);
    CHECK(loaded.status == LoadStatus::Error);
    CHECK_FALSE(loaded.error.empty());
    auto written = write_sync(store, request(suite_t0, id, {obj(R"({"a":1})")}));
    CHECK(written.outcome == WriteOutcome::Error);
    // Other sessions are unaffected.
    const auto other = start_session(store, R"({"ok":true})");
    CHECK(data_of(store, other) == boost::json::parse(R"({"ok":true})"));
}

namespace {

lmdb::Env open_raw(const std::string& path) {
    return lmdb::Env::open(path, MDB_NOTLS, 0600, [](MDB_env* e) -> lmdb::Status { return mdb_env_set_maxdbs(e, 8); });
}

/// The bytes stored under `key`, read as a copy of the files would be
/// (no store of this process may have the directory open).
std::string raw_record(const std::string& path, const std::string& key) {
    auto env = open_raw(path);
    lmdb::Txn txn;
    REQUIRE(lmdb::Txn::begin(env, MDB_RDONLY, txn).ok());
    lmdb::Tables tables;
    REQUIRE(lmdb::Tables::open(txn, {}, tables).ok());
    std::optional<std::string_view> bytes;
    REQUIRE(lmdb::get(txn, tables.sessions, key, bytes).ok());
    REQUIRE(bytes);
    return std::string(*bytes);
}

/// Puts `bytes` under `key` as they are, with index entries for `header`
/// when given (else only the record).
void put_raw_record(const std::string& path, const std::string& key, const std::string& bytes,
                    const SessionRecord* header = nullptr) {
    auto env = open_raw(path);
    lmdb::Txn txn;
    REQUIRE(lmdb::Txn::begin(env, 0, txn).ok());
    lmdb::Tables tables;
    REQUIRE(lmdb::Tables::open(txn, {}, tables).ok());
    if (header)
        REQUIRE(lmdb::insert_record(txn, tables, key, *header, bytes).ok());
    else
        REQUIRE(lmdb::put(txn, tables.sessions, key, bytes).ok());
    REQUIRE(txn.commit().ok());
}

std::string v1_fixture() {
    const auto path = std::filesystem::path(SESSIONGATE_SOURCE_DIR) / "tests/unit/session/fixtures/record_v1.bin";
    std::ifstream in(path, std::ios::binary);
    REQUIRE(in);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST_CASE("LmdbStore reads a version 1 record and writes it on", "[store][lmdb][fixture]") {
    TempDir dir;
    const auto s = settings_in(dir);
    const auto id = new_session_id();
    const auto bytes = v1_fixture();
    const auto view = decode_record(bytes);
    REQUIRE(view);
    const auto record = view->to_record();
    { LmdbStore store(s, test_ring()); }  // creates the databases
    {
        // Put there as the version 1 store did: the record, its handle and
        // expiry index entries.
        auto env = lmdb::Env::open(s.path, MDB_NOTLS, 0600,
                                   [](MDB_env* e) -> lmdb::Status { return mdb_env_set_maxdbs(e, 8); });
        lmdb::Txn txn;
        REQUIRE(lmdb::Txn::begin(env, 0, txn).ok());
        lmdb::Tables tables;
        REQUIRE(lmdb::Tables::open(txn, {}, tables).ok());
        REQUIRE(lmdb::insert_record(txn, tables, storage_key(id), record, bytes).ok());
        REQUIRE(txn.commit().ok());
    }
    {
        LmdbStore store(s, test_ring());
        auto loaded = load_sync(store, id, record.modified);
        REQUIRE(loaded.status == LoadStatus::Found);
        CHECK(loaded.record == record);
        REQUIRE(store.admin()->find_by_handle(record.handle));

        auto w = request(record.modified + 1, id, {obj(R"({"visits":1})")});
        const auto written = write_sync(store, w);
        REQUIRE(written.outcome == WriteOutcome::Saved);
        CHECK(written.record.handle == record.handle);
        CHECK(written.record.created == record.created);
        CHECK(written.record.expiry_seconds == 3000);
        auto data = boost::json::parse(written.record.data_json).as_object();
        CHECK(data.at("name") == "Zo\xc3\xab");
        CHECK(data.at("visits") == 1);
        CHECK(load_sync(store, id, record.modified + 1).record.data_json == written.record.data_json);
    }
    // Written on sealed: the clear version 1 bytes are gone.
    const auto stored = raw_record(s.path, storage_key(id));
    CHECK(static_cast<std::uint8_t>(stored.at(0)) == record_format_sealed);
    CHECK(stored.find("visits") == std::string::npos);
    CHECK(stored.find("Zo") == std::string::npos);
}

TEST_CASE("LmdbStore seals each record's data at rest, bound to its storage key", "[store][lmdb][sealed]") {
    TempDir dir;
    const auto s = settings_in(dir);
    std::string id, other;
    {
        LmdbStore store(s, test_ring());
        id = start_session(store, R"({"member_id":4242,"secret_word":"swordfish"})", suite_t0, "h-sealed");
        other = start_session(store, R"({"n":1})");
    }
    const auto bytes = raw_record(s.path, storage_key(id));
    CHECK(static_cast<std::uint8_t>(bytes.at(0)) == record_format_sealed);
    CHECK(bytes.find("swordfish") == std::string::npos);
    CHECK(bytes.find("member_id") == std::string::npos);

    // A record copied under another session's key does not open there.
    put_raw_record(s.path, storage_key(other), bytes);
    LmdbStore store(s, test_ring());
    const auto moved = load_sync(store, other, suite_t0);
    CHECK(moved.status == LoadStatus::Error);
    CHECK_THAT(moved.error, Catch::Contains("damaged"));
    // The administration paths hold the key and show the data.
    const auto found = store.admin()->find_by_handle("h-sealed");
    REQUIRE(found);
    CHECK(boost::json::parse(found->data_json) == boost::json::parse(R"({"member_id":4242,"secret_word":"swordfish"})"));
    const auto listed = store.admin()->list(10, "");
    const auto line = std::find_if(listed.begin(), listed.end(), [](const auto& l) { return l.handle == "h-sealed"; });
    REQUIRE(line != listed.end());
    CHECK(line->bytes == found->data_json.size());
}

TEST_CASE("LmdbStore after a key rotation: old records read and are re-sealed with the new key",
          "[store][lmdb][sealed]") {
    TempDir dir;
    const auto s = settings_in(dir);
    const crypto::KeyRing old_ring({std::string(40, 'o')});
    const crypto::KeyRing rotated({std::string(40, 'n'), std::string(40, 'o')});
    const crypto::KeyRing new_only({std::string(40, 'n')});
    std::string id, untouched;
    {
        LmdbStore store(s, old_ring);
        id = start_session(store, R"({"a":1})", suite_t0, "h-rotated");
        untouched = start_session(store, R"({"b":1})", suite_t0, "h-untouched");
    }
    const auto key_id = [](const crypto::KeyRing& ring) {
        return std::string(reinterpret_cast<const char*>(ring.newest().id.data()), crypto::key_id_bytes);
    };
    // The box follows the clear header; its key id comes first (copied: the
    // id is a view into the record read here).
    const auto sealed_key_id = [&](const std::string& cookie) {
        const auto bytes = raw_record(s.path, storage_key(cookie));
        return std::string(crypto::box_key_id(std::string_view(bytes).substr(record_header(bytes).size())));
    };
    CHECK(sealed_key_id(id) == key_id(old_ring));
    {
        LmdbStore store(s, rotated);
        CHECK(data_of(store, id) == boost::json::parse(R"({"a":1})"));
        REQUIRE(write_sync(store, request(suite_t0 + 1, id, {obj(R"({"c":2})")})).outcome == WriteOutcome::Saved);
    }
    CHECK(sealed_key_id(id) == key_id(new_only));
    CHECK(sealed_key_id(untouched) == key_id(old_ring));

    // The old secret retired: what only it opened is gone for the store,
    // not an error, and the sweep still deletes it when it expires.
    LmdbStore store(s, new_only);
    CHECK(data_of(store, id, suite_t0 + 1) == boost::json::parse(R"({"a":1,"c":2})"));
    CHECK(load_sync(store, untouched, suite_t0).status == LoadStatus::NotFound);
    auto late = write_sync(store, request(suite_t0 + 2, untouched, {obj(R"({"d":3})")}));
    CHECK(late.outcome == WriteOutcome::Gone);
    CHECK(store.expiry_sweep()->sweep(suite_t0 + 999) == 0);
    CHECK(store.admin()->count() == 2);
    CHECK(store.expiry_sweep()->sweep(suite_t0 + 1000) == 1);
    CHECK(store.admin()->count() == 1);
    CHECK_FALSE(store.admin()->find_by_handle("h-untouched"));
}

TEST_CASE("LmdbStore opens the committed sealed record with the fixture key", "[store][lmdb][fixture]") {
    TempDir dir;
    const auto s = settings_in(dir);
    const crypto::KeyRing ring(sessiongate::test::fixture_lines("secret_keys.txt"));
    const std::string fixture_id = "qZ3bLEBBy6Jm6V2tCx0sD4g1ob2uVbYl0mIJb9bTFvU";
    const auto bytes = sessiongate::test::from_hex(sessiongate::test::fixture_lines("record_v3_sealed.hex").at(0));
    const auto header = read_record_header(bytes);
    REQUIRE(header);
    { LmdbStore store(s, ring); }  // creates the databases
    put_raw_record(s.path, storage_key(fixture_id), bytes, &*header);
    LmdbStore store(s, ring);
    const auto loaded = load_sync(store, fixture_id, 1767229200);
    REQUIRE(loaded.status == LoadStatus::Found);
    CHECK(boost::json::parse(loaded.record.data_json).at("num_visits") == 3);
    CHECK(loaded.record.handle == "U2Aev_lrKJ0oClJ6NmeZqJ0TO1-3Sd0oVz-X0uHXaFc");
    CHECK(loaded.record.expiry_seconds == 3600);
    REQUIRE(store.admin()->find_by_handle(loaded.record.handle));
}

TEST_CASE("LmdbStore does not apply a write whose deadline passed while it waited for the lock",
          "[store][lmdb][deadline]") {
    TempDir dir;
    const auto s = settings_in(dir);
    LmdbStore store(s, test_ring());
    const auto id = start_session(store, R"({"a":1})");
    std::fflush(nullptr);

    // Another process (`mdb_load`, a second sessiongate) holds LMDB's write
    // lock until told to let go.
    int hold[2], release[2];
    REQUIRE(pipe(hold) == 0);
    REQUIRE(pipe(release) == 0);
    const pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        int code = 0;
        try {
            auto env = lmdb::Env::open(s.path, MDB_NOTLS, 0600,
                                       [](MDB_env* e) -> lmdb::Status { return mdb_env_set_maxdbs(e, 8); });
            lmdb::Txn txn;
            if (!lmdb::Txn::begin(env, 0, txn).ok()) code = 10;
            char byte = 'h';
            if (write(hold[1], &byte, 1) != 1) code = 11;
            if (read(release[0], &byte, 1) != 1) code = 12;
        } catch (...) {
            code = 13;
        }
        _exit(code);
    }
    char byte = 0;
    REQUIRE(read(hold[0], &byte, 1) == 1);

    std::promise<WriteResult> late;
    auto answer = late.get_future();
    store.write(request(suite_t0 + 1, id, {obj(R"({"b":2})")}),
                Deadline::clock::now() + std::chrono::milliseconds(50),
                [&late](WriteResult r) { late.set_value(std::move(r)); });
    CHECK(answer.wait_for(std::chrono::milliseconds(300)) == std::future_status::timeout);  // blocked on the lock
    REQUIRE(write(release[1], &byte, 1) == 1);
    int status = 0;
    REQUIRE(waitpid(child, &status, 0) == child);
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) == 0);

    const auto result = answer.get();
    CHECK(result.outcome == WriteOutcome::Error);
    CHECK_THAT(result.error, Catch::Contains("deadline"));
    CHECK(data_of(store, id) == boost::json::parse(R"({"a":1})"));
    // The writer goes on with the next write as usual.
    CHECK(write_sync(store, request(suite_t0 + 2, id, {obj(R"({"c":3})")})).outcome == WriteOutcome::Saved);
    for (int fd : {hold[0], hold[1], release[0], release[1]}) close(fd);
}
