// The semantics of one SessionWrite, applied inside the LMDB store's write
// transaction against the record as it is at that moment (see store.hpp).
#pragma once

#include "session/lmdb.hpp"
#include "session/lmdb_tables.hpp"
#include "session/store.hpp"

namespace sessiongate::session {

/// Fills `result`. A non-ok status means the transaction is unusable (an
/// LMDB error, MDB_MAP_FULL included); refusals (Gone, TooLarge, Error for
/// bad input or a damaged record) return ok and change nothing.
/// Throws only std::bad_alloc.
lmdb::Status apply_session_write(const lmdb::Txn& txn, const LmdbTables& tables,
                                 const SessionWrite& write, WriteResult& result);

}  // namespace sessiongate::session
