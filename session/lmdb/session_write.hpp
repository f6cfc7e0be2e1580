// One SessionWrite inside the LMDB store's write transaction: the record
// stored now is read, the write rules (session/write_rules.hpp) decide, and
// the result is committed through the tables, all in that transaction.
#pragma once

#include "session/lmdb/lmdb.hpp"
#include "session/lmdb/tables.hpp"
#include "session/session_write.hpp"

#include <string>

namespace sessiongate::session::lmdb {

/// Fills `result`. A non-ok status means the transaction is unusable (an
/// LMDB error, MDB_MAP_FULL included); refusals (Gone, TooLarge, Error for
/// bad input or a damaged record) return ok and change nothing.
/// Throws only std::bad_alloc.
Status apply_session_write(const Txn& txn, const Tables& tables, const SessionWrite& write, WriteResult& result);

/// The same for the session with `handle` (the admin API's PATCH): `write`
/// must keep the id (no action); `write.current` is ignored. A handle with
/// no live session answers Gone.
Status apply_write_by_handle(const Txn& txn, const Tables& tables, const std::string& handle,
                             const SessionWrite& write, WriteResult& result);

}  // namespace sessiongate::session::lmdb
