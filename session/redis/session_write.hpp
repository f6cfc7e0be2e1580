// One session write against Redis: read the record stored now, compute the
// next one with the pure write rules (write_rules.hpp), commit it with a
// compare-and-set (commit.hpp); when another writer changed the record in
// between, compute again from what it holds now, a bounded number of times.
// The index sets (keyspace.hpp) change in the same commit as the record.
#pragma once

#include "session/redis/database.hpp"
#include "session/store.hpp"

namespace sessiongate::session::redis {

/// Attempts before a write gives up on a session that others keep changing.
inline constexpr int max_write_attempts = 32;

/// Runs `write`; `done` runs once, on a client thread (or inline when
/// nothing needs Redis).
void write_session(Database& db, SessionWrite write, Deadline deadline, Store::WriteCallback done);

/// Runs `write` (no action; `write.current` ignored) on the session whose
/// handle is `handle`, under its own id: Gone when there is none.
void write_session_by_handle(Database& db, std::string handle, SessionWrite write, Deadline deadline,
                             Store::WriteCallback done);

}  // namespace sessiongate::session::redis
