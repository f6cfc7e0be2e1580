// store_bench's "lmdb_get" benchmarks: one random read of LMDB alone, by
// records stored, their size and the memory touched between two reads.
#pragma once

#include <cstddef>

namespace sessiongate::bench {

/// Registers them, with trees of 1 thousand and of up to 1 million records.
void register_lmdb_descent(std::size_t max_records);

}  // namespace sessiongate::bench
