// The stores' own cost, without the proxy: a session load and a session
// save on each store (Google Benchmark). LMDB is measured with 1 thousand
// and 1 million stored sessions, to show what the number of sessions does
// to a read (the B+tree grows a level; the pages stay in the page cache).
//
// Then LMDB alone (lmdb_descent.hpp): one random read by records stored,
// their size and the memory touched between two reads.
//
// Usage: store_bench [--max-sessions N] [Google Benchmark flags]
//   --max-sessions  the largest LMDB store filled (default 1000000; the
//                   smoke test passes 1000)
// Redis is measured when SESSIONGATE_BENCH_REDIS names a server
// (redis://127.0.0.1:6379/0); its keys go under a prefix of their own.
//
// Every store is filled once, before the first benchmark that uses it, in a
// directory under $TMPDIR removed at exit, and every session is read once
// (as in a running proxy, the map's pages are then mapped). The store files
// of 1 million sessions take about 0.5 GB.
#include "bench/lmdb_descent.hpp"
#include "bench/session_fill.hpp"
#include "config/config.hpp"
#include "session/secret_keys.hpp"
#include "session/session_id.hpp"
#include "session/store_factory.hpp"
#include "unit/temp_dir.hpp"

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <future>
#include <iostream>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace {

using namespace sessiongate;
using bench::far_deadline;
using test::TempDir;

constexpr std::int64_t now = 1'800'000'000;  // Unix seconds, the same for every call

const session::SecretKeys& keys() {
    static const session::SecretKeys keys({std::string(48, 'k')});
    return keys;
}

session::SessionWrite update_of(const std::string& id, std::size_t n) {
    session::SessionWrite w;
    w.current = id;
    w.fresh_id = session::new_session_id();
    w.fresh_handle = "h-" + w.fresh_id.substr(0, 20);
    w.patches.push_back(boost::json::object{{"n", n}});
    w.now = now;
    return w;
}

session::WriteResult write_sync(session::Store& store, session::SessionWrite w) {
    std::promise<session::WriteResult> done;
    auto result = done.get_future();
    store.write(std::move(w), far_deadline(), [&](session::WriteResult r) { done.set_value(std::move(r)); });
    return result.get();
}

/// A store and the cookie values of the sessions in it.
struct Filled {
    std::unique_ptr<TempDir> dir;
    std::unique_ptr<session::Store> store;
    std::vector<std::string> cookies;
};

/// Loads every session once, as a long-running proxy will have: the first
/// touch of each page of LMDB's map is a page fault, which a reopened store
/// pays again and a running one does not.
void warm(session::Store& store, const std::vector<std::string>& cookies) {
    for (const auto& cookie : cookies) {
        std::promise<void> answered;
        store.load(cookie, now, far_deadline(), [&](session::LoadResult) { answered.set_value(); });
        answered.get_future().wait();
    }
}

config::Config config_of(config::StoreType type, const std::string& where, config::Durability durability) {
    config::Config c;
    c.store.type = type;
    c.store.durability = durability;
    if (type == config::StoreType::Lmdb) c.store.path = where;
    if (type == config::StoreType::Redis) {
        c.store.url = where;
        c.store.key_prefix = "sessiongate-bench:" + session::new_session_id().substr(0, 8) + ":";
    }
    return c;
}

/// The store of `name` holding `count` sessions, made on first use.
Filled& filled(const std::string& name, config::StoreType type, std::size_t count,
               config::Durability durability = config::Durability::Fsync) {
    static std::map<std::string, Filled> stores;
    auto& entry = stores[name];
    if (entry.store) return entry;
    std::string where;
    if (type == config::StoreType::Lmdb) {
        entry.dir = std::make_unique<TempDir>("sg-store-bench");
        where = entry.dir->path() + "/sessions";
        // Filled without syncing every commit, then opened as measured.
        auto filling = session::open_store(config_of(type, where, config::Durability::None), &keys());
        entry.cookies = bench::fill(*filling, count, keys(), now);
    } else if (type == config::StoreType::Redis) {
        where = std::getenv("SESSIONGATE_BENCH_REDIS");
    }
    entry.store = session::open_store(config_of(type, where, durability), &keys());
    if (entry.cookies.empty()) entry.cookies = bench::fill(*entry.store, count, keys(), now);
    warm(*entry.store, entry.cookies);
    return entry;
}

void load_benchmark(benchmark::State& state, Filled& filled) {
    std::mt19937_64 random(42);
    std::uniform_int_distribution<std::size_t> pick(0, filled.cookies.size() - 1);
    for (auto _ : state) {
        // LMDB and the cookie store answer before load() returns; Redis
        // answers on its own thread.
        std::promise<session::LoadStatus> answered;
        filled.store->load(filled.cookies[pick(random)], now, far_deadline(),
                           [&](session::LoadResult r) { answered.set_value(r.status); });
        if (answered.get_future().get() != session::LoadStatus::Found) {
            state.SkipWithError("a stored session was not found");
            break;
        }
    }
}

void write_benchmark(benchmark::State& state, Filled& filled) {
    std::size_t n = 0;
    std::mt19937_64 random(7);
    std::uniform_int_distribution<std::size_t> pick(0, filled.cookies.size() - 1);
    for (auto _ : state) {
        auto& cookie = filled.cookies[pick(random)];
        auto r = write_sync(*filled.store, update_of(cookie, ++n));
        if (r.outcome != session::WriteOutcome::Saved) {
            state.SkipWithError(("a save failed: " + r.error).c_str());
            break;
        }
        cookie = r.cookie_value;  // the cookie store's value changes with every save
    }
}

std::size_t max_sessions = 1'000'000;

/// "load/NAME" and "save/NAME" + `save_note` on the store `name`.
void register_store(const std::string& name, config::StoreType type, std::size_t sessions,
                    const std::string& save_note = "") {
    benchmark::RegisterBenchmark(("load/" + name).c_str(), [=](benchmark::State& state) {
        load_benchmark(state, filled(name, type, sessions));
    })->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark(("save/" + name + save_note).c_str(), [=](benchmark::State& state) {
        write_benchmark(state, filled(name, type, sessions));
    })->Unit(benchmark::kMicrosecond);
}

void register_benchmarks() {
    using config::StoreType;
    register_store("lmdb/1000", StoreType::Lmdb, 1000, "/fsync");
    // The large store: 1 million sessions unless --max-sessions says fewer.
    const std::size_t large = std::min<std::size_t>(max_sessions, 1'000'000);
    if (large > 1000) register_store("lmdb/" + std::to_string(large), StoreType::Lmdb, large, "/fsync");
    register_store("cookie", StoreType::Cookie, 1000);
    if (std::getenv("SESSIONGATE_BENCH_REDIS")) register_store("redis/1000", StoreType::Redis, 1000);
    bench::register_lmdb_descent(max_sessions);
}

}  // namespace

int main(int argc, char** argv) {
    // Our one flag goes before Google Benchmark sees the rest.
    std::vector<char*> rest{argv[0]};
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--max-sessions" && i + 1 < argc) {
            max_sessions = std::stoul(argv[++i]);
        } else if (arg.rfind("--max-sessions=", 0) == 0) {
            max_sessions = std::stoul(arg.substr(15));
        } else {
            rest.push_back(argv[i]);
        }
    }
    if (max_sessions < 1000) {
        std::cerr << "store_bench: --max-sessions must be at least 1000\n";
        return 2;
    }
    int rest_count = static_cast<int>(rest.size());
    benchmark::Initialize(&rest_count, rest.data());
    if (benchmark::ReportUnrecognizedArguments(rest_count, rest.data())) return 2;
    register_benchmarks();
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
}
