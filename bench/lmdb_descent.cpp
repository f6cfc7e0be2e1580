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

#include "unit/temp_dir.hpp"

#include <benchmark/benchmark.h>
#include <lmdb.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace sessiongate::bench {
namespace {

using Key = std::array<unsigned char, 32>;

void check(int rc, const char* what) {
    if (rc != MDB_SUCCESS) throw std::runtime_error(std::string(what) + ": " + mdb_strerror(rc));
}

/// An LMDB environment holding `count` records of `value_bytes`, with a
/// read transaction open on it and the keys of up to 100 thousand of them.
class Tree {
public:
    Tree(std::size_t count, std::size_t value_bytes) {
        check(mdb_env_create(&env_), "mdb_env_create");
        check(mdb_env_set_mapsize(env_, std::size_t{2} << 30), "mdb_env_set_mapsize");
        // As the store opens its environment (NORDAHEAD: lookups are random);
        // NOSYNC only to build faster.
        check(mdb_env_open(env_, dir_.path().c_str(), MDB_NOTLS | MDB_NORDAHEAD | MDB_NOSYNC, 0600), "mdb_env_open");
        std::mt19937_64 random(count * 31 + value_bytes);
        const std::string value(value_bytes, 'v');
        const std::size_t every = std::max<std::size_t>(1, count / 100'000);
        MDB_txn* txn = nullptr;
        for (std::size_t i = 0; i < count; ++i) {
            if (i % 100'000 == 0) {
                if (txn) check(mdb_txn_commit(txn), "mdb_txn_commit");
                check(mdb_txn_begin(env_, nullptr, 0, &txn), "mdb_txn_begin");
                if (i == 0) check(mdb_dbi_open(txn, nullptr, 0, &dbi_), "mdb_dbi_open");
            }
            Key key;
            for (std::size_t b = 0; b < key.size(); b += 8) {
                const std::uint64_t r = random();
                for (std::size_t j = 0; j < 8; ++j) key[b + j] = static_cast<unsigned char>(r >> (8 * j));
            }
            MDB_val k{key.size(), key.data()}, v{value.size(), const_cast<char*>(value.data())};
            check(mdb_put(txn, dbi_, &k, &v, 0), "mdb_put");
            if (i % every == 0) sample_.push_back(key);
        }
        check(mdb_txn_commit(txn), "mdb_txn_commit");
        check(mdb_txn_begin(env_, nullptr, MDB_RDONLY, &read_), "mdb_txn_begin");
        MDB_stat stat;
        check(mdb_stat(read_, dbi_, &stat), "mdb_stat");
        depth_ = stat.ms_depth;
        // Every sampled record read once: its pages mapped, as in a running proxy.
        for (const auto& key : sample_) get(key);
    }
    ~Tree() {
        mdb_txn_abort(read_);
        mdb_env_close(env_);
    }
    Tree(const Tree&) = delete;
    Tree& operator=(const Tree&) = delete;

    const std::vector<Key>& sample() const { return sample_; }
    unsigned depth() const { return depth_; }

    unsigned char get(const Key& key) const {
        MDB_val k{key.size(), const_cast<unsigned char*>(key.data())}, v;
        if (mdb_get(read_, dbi_, &k, &v) != MDB_SUCCESS) throw std::runtime_error("a stored key was not found");
        return static_cast<const unsigned char*>(v.mv_data)[v.mv_size - 1];
    }

private:
    test::TempDir dir_{"lmdb-descent"};
    MDB_env* env_ = nullptr;
    MDB_dbi dbi_ = 0;
    MDB_txn* read_ = nullptr;
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
