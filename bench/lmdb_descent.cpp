// LMDB alone, in store_bench: the time of one mdb_get of a random key, by
// the number of records, their size, and how much other memory is touched
// between two reads (as a proxy's request touches its buffers, the
// kernel's socket buffers, wrk and the backend between two session loads).
//
// It shows where the extra time of a session read in a store of 1 million
// goes: the descent through 4 levels of pages that are in neither the CPU's
// caches nor its TLB, whatever the size of the records.
//
// Keys are 32 random bytes (as the stores' keys, a hash of the id); reads
// pick among 100 thousand of them at most, spread over the whole tree.
// Each tree is built once, under $TMPDIR, removed at exit; 1 million
// records take up to 0.4 GB.
#include "bench/lmdb_descent.hpp"

#include "session/lmdb/lmdb.hpp"
#include "unit/temp_dir.hpp"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sessiongate::bench {
namespace {

using Key = std::array<unsigned char, 32>;

namespace lmdb = session::lmdb;

void check(lmdb::Status status, const char* what) {
    if (!status.ok()) throw std::runtime_error(std::string(what) + ": " + status.message());
}

std::string_view view_of(const Key& key) { return {reinterpret_cast<const char*>(key.data()), key.size()}; }

/// An LMDB environment holding `count` records of `value_bytes`, with a
/// read transaction open on it and the keys of up to 100 thousand of them.
class Tree {
public:
    Tree(std::size_t count, std::size_t value_bytes) {
        // As the store opens its environment (NORDAHEAD: lookups are random);
        // NOSYNC only to build faster.
        env_ = lmdb::Env::open(dir_.path(), MDB_NOTLS | MDB_NORDAHEAD | MDB_NOSYNC, 0600,
                               [](MDB_env* e) { return lmdb::Status(mdb_env_set_mapsize(e, std::size_t{2} << 30)); });
        std::mt19937_64 random(count * 31 + value_bytes);
        const std::string value(value_bytes, 'v');
        const std::size_t every = std::max<std::size_t>(1, count / 100'000);
        lmdb::Txn txn;
        for (std::size_t i = 0; i < count; ++i) {
            if (i % 100'000 == 0) {
                if (txn) check(txn.commit(), "commit");
                check(lmdb::Txn::begin(env_, 0, txn), "begin");
                if (i == 0) check(lmdb::Dbi::open(txn, nullptr, 0, dbi_), "open the database");
            }
            Key key;
            for (std::size_t b = 0; b < key.size(); b += 8) {
                const std::uint64_t r = random();
                for (std::size_t j = 0; j < 8; ++j) key[b + j] = static_cast<unsigned char>(r >> (8 * j));
            }
            check(lmdb::put(txn, dbi_, view_of(key), value), "put");
            if (i % every == 0) sample_.push_back(key);
        }
        check(txn.commit(), "commit");
        check(lmdb::Txn::begin(env_, MDB_RDONLY, read_), "begin");
        MDB_stat stat;
        check(mdb_stat(read_.get(), dbi_.id, &stat), "mdb_stat");
        depth_ = stat.ms_depth;
        // Every sampled record read once: its pages mapped, as in a running proxy.
        for (const auto& key : sample_) get(key);
    }

    const std::vector<Key>& sample() const { return sample_; }
    unsigned depth() const { return depth_; }

    unsigned char get(const Key& key) const {
        std::optional<std::string_view> value;
        if (!lmdb::get(read_, dbi_, view_of(key), value).ok() || !value || value->empty())
            throw std::runtime_error("a stored key was not found");
        return static_cast<unsigned char>(value->back());
    }

private:
    test::TempDir dir_{"lmdb-descent"};
    lmdb::Env env_;  // declared after the directory, closed before it goes
    lmdb::Dbi dbi_;
    lmdb::Txn read_;  // ends before the environment closes
    std::vector<Key> sample_;
    unsigned depth_ = 0;
};

/// One tree per (records, value size), built on first use.
const Tree& tree(std::size_t count, std::size_t value_bytes) {
    static std::map<std::pair<std::size_t, std::size_t>, std::unique_ptr<Tree>> trees;
    auto& slot = trees[{count, value_bytes}];
    if (!slot) slot = std::make_unique<Tree>(count, value_bytes);
    return *slot;
}

// Args: records, value bytes, KB of other memory touched between two reads.
void random_get(benchmark::State& state) {
    const Tree* built = nullptr;
    try {
        built = &tree(static_cast<std::size_t>(state.range(0)), static_cast<std::size_t>(state.range(1)));
    } catch (const std::exception& e) {
        state.SkipWithError(e.what());
        return;
    }
    const Tree& t = *built;
    std::vector<unsigned char> other(static_cast<std::size_t>(state.range(2)) * 1024 + 1);
    std::mt19937_64 random(7);
    std::uniform_int_distribution<std::size_t> pick(0, t.sample().size() - 1);
    unsigned sum = 0;
    for (auto _ : state) {
        for (std::size_t i = 0; i + 1 < other.size(); i += 64) other[i]++;  // one write a cache line
        const Key& key = t.sample()[pick(random)];
        const auto start = std::chrono::steady_clock::now();
        sum += t.get(key);
        state.SetIterationTime(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
    benchmark::DoNotOptimize(sum);
    state.counters["depth"] = t.depth();
}

}  // namespace

void register_lmdb_descent(std::size_t max_records) {
    std::vector<std::int64_t> records{1000};
    if (max_records > 1000) records.push_back(static_cast<std::int64_t>(std::min<std::size_t>(max_records, 1'000'000)));
    benchmark::RegisterBenchmark("lmdb_get", random_get)
        ->ArgNames({"records", "value_bytes", "other_kb"})
        ->ArgsProduct({records, {16, 230}, {0, 4096}})
        ->UseManualTime()
        ->Iterations(20'000)  // the 4 MB touched between reads would make time-based runs last minutes
        ->Unit(benchmark::kNanosecond);
}

}  // namespace sessiongate::bench
