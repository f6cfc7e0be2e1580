// Filling a store with sessions as the proxy saves them, for the benchmarks
// that need many stored: store_bench (the store alone) and fill_sessions
// (a store the proxy then serves).
#pragma once

#include "session/secret_keys.hpp"
#include "session/store.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace sessiongate::bench {

/// A deadline no fill or benchmark call comes near.
session::Deadline far_deadline();

/// What a response with `X-Session-Update: {"member_id": ..., "cart": [...]}`
/// asks of the store: a new session of about 100 bytes of JSON, its handle
/// made from `keys` as the proxy makes it, saved at `now` under `policy`.
session::SessionWrite new_session(std::size_t n, const session::SecretKeys& keys, std::int64_t now,
                                  const session::ExpiryPolicy& policy = {});

/// Fills `store` with `count` such sessions, many writes in flight at once
/// (a write transaction commits what is queued, so a million take seconds),
/// and returns their cookie values in the order written. Throws
/// std::runtime_error when a write fails.
std::vector<std::string> fill(session::Store& store, std::size_t count, const session::SecretKeys& keys,
                              std::int64_t now, const session::ExpiryPolicy& policy = {});

}  // namespace sessiongate::bench
