"""The LMDB files of a proxy's store, opened beside it as a second process
would (ctypes over Debian's liblmdb, so no Python package is needed).

  WriteLock(path)          holds the store's write lock from construction
                           until .release() (as a long `mdb_load` or a second
                           writer would): the proxy's writes wait for it.
  put_raw_record(path, session_id, value)
                           stores `value` (bytes) as the record of
                           `session_id`, bypassing the proxy (damaged records).

LMDB allows one environment per process and path: use one at a time.
"""

import ctypes
import ctypes.util
import hashlib

_lib = ctypes.CDLL(ctypes.util.find_library("lmdb") or "liblmdb.so.0")


class _Val(ctypes.Structure):
    _fields_ = [("size", ctypes.c_size_t), ("data", ctypes.c_void_p)]


def _check(rc, what):
    if rc != 0:
        _lib.mdb_strerror.restype = ctypes.c_char_p
        raise RuntimeError("%s: %s" % (what, _lib.mdb_strerror(rc).decode()))


class _Env:
    def __init__(self, path):
        self.env = ctypes.c_void_p()
        _check(_lib.mdb_env_create(ctypes.byref(self.env)), "mdb_env_create")
        _check(_lib.mdb_env_set_maxdbs(self.env, 8), "mdb_env_set_maxdbs")
        _check(_lib.mdb_env_open(self.env, path.encode(), 0, 0o600), "mdb_env_open " + path)
        self.txn = ctypes.c_void_p()
        # Blocks while the proxy's writer commits; then the lock is ours.
        _check(_lib.mdb_txn_begin(self.env, None, 0, ctypes.byref(self.txn)), "mdb_txn_begin")

    def close(self, commit=False):
        if self.txn:
            if commit:
                _check(_lib.mdb_txn_commit(self.txn), "mdb_txn_commit")
            else:
                _lib.mdb_txn_abort(self.txn)
            self.txn = None
        if self.env:
            _lib.mdb_env_close(self.env)
            self.env = None


class WriteLock:
    def __init__(self, path):
        self._env = _Env(path)

    def release(self):
        self._env.close()


def put_raw_record(path, session_id, value):
    env = _Env(path)
    try:
        dbi = ctypes.c_uint()
        _check(_lib.mdb_dbi_open(env.txn, b"sessions", 0, ctypes.byref(dbi)), "mdb_dbi_open sessions")
        key = hashlib.sha256(session_id.encode()).digest()  # the store keys records by SHA-256 of the id
        kbuf = ctypes.create_string_buffer(key, len(key))
        vbuf = ctypes.create_string_buffer(value, len(value))
        k = _Val(len(key), ctypes.cast(kbuf, ctypes.c_void_p))
        v = _Val(len(value), ctypes.cast(vbuf, ctypes.c_void_p))
        _check(_lib.mdb_put(env.txn, dbi, ctypes.byref(k), ctypes.byref(v), 0), "mdb_put")
        env.close(commit=True)
    finally:
        env.close()
