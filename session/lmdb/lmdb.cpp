#include "session/lmdb/lmdb.hpp"
// The wrappers are inline; this file checks the header compiles on its own.
