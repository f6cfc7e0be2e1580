// Small move-only RAII wrappers over the LMDB C API.
//
// Data-path calls return a Status instead of throwing; "not found" is an
// empty optional or a false flag, never an error. Only opening the
// environment throws (lmdb::Error), as it happens at start-up.
// Values handed out as string_view point into the map: they are valid until
// the transaction that produced them ends.
#pragma once

#include <lmdb.h>

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

namespace sessiongate::session::lmdb {

/// An LMDB return code, with names for the ones callers act on.
class Status {
public:
    Status(int code = MDB_SUCCESS) : code_(code) {}  // NOLINT: implicit from rc

    bool ok() const { return code_ == MDB_SUCCESS; }
    bool map_full() const { return code_ == MDB_MAP_FULL; }
    bool map_resized() const { return code_ == MDB_MAP_RESIZED; }
    int code() const { return code_; }
    std::string message() const { return mdb_strerror(code_); }

private:
    int code_;
};

/// Thrown only while opening.
class Error : public std::runtime_error {
public:
    Error(const std::string& what, Status status)
        : std::runtime_error(what + ": " + status.message()), status_(status) {}
    Status status() const { return status_; }

private:
    Status status_;
};

inline MDB_val to_val(std::string_view s) {
    return MDB_val{s.size(), const_cast<char*>(s.data())};
}
inline std::string_view to_view(const MDB_val& v) {
    return {static_cast<const char*>(v.mv_data), v.mv_size};
}

class Env {
public:
    /// Creates and opens an environment; throws Error on failure.
    /// `configure` runs between mdb_env_create and mdb_env_open (map size,
    /// max dbs, max readers) and returns the first failing status.
    template <class Configure>
    static Env open(const std::string& path, unsigned flags, unsigned mode, Configure configure) {
        MDB_env* raw = nullptr;
        if (Status s = mdb_env_create(&raw); !s.ok()) {
            throw Error("mdb_env_create", s);
        }
        Env env(raw);
        if (Status s = configure(raw); !s.ok()) {
            throw Error("configuring " + path, s);
        }
        if (Status s = mdb_env_open(raw, path.c_str(), flags, mode); !s.ok()) {
            throw Error("opening " + path, s);
        }
        return env;
    }

    Env() = default;
    Env(Env&& other) noexcept : env_(std::exchange(other.env_, nullptr)) {}
    Env& operator=(Env&& other) noexcept {
        if (this != &other) {
            close();
            env_ = std::exchange(other.env_, nullptr);
        }
        return *this;
    }
    Env(const Env&) = delete;
    Env& operator=(const Env&) = delete;
    ~Env() { close(); }

    MDB_env* get() const { return env_; }
    void close() noexcept {
        if (env_) {
            mdb_env_close(std::exchange(env_, nullptr));
        }
    }

    /// Current map size in bytes (0 on failure).
    std::size_t map_size() const {
        MDB_envinfo info{};
        return mdb_env_info(env_, &info) == MDB_SUCCESS ? info.me_mapsize : 0;
    }
    /// Bytes of the map holding data: pages up to the last one used (0 on failure).
    std::size_t used_bytes() const {
        MDB_envinfo info{};
        MDB_stat stat{};
        if (mdb_env_info(env_, &info) != MDB_SUCCESS || mdb_env_stat(env_, &stat) != MDB_SUCCESS) return 0;
        return (info.me_last_pgno + 1) * stat.ms_psize;
    }
    Status set_map_size(std::size_t bytes) { return mdb_env_set_mapsize(env_, bytes); }
    Status sync(bool force) { return mdb_env_sync(env_, force ? 1 : 0); }

private:
    explicit Env(MDB_env* env) : env_(env) {}
    MDB_env* env_ = nullptr;
};

/// A transaction; one that is neither committed nor aborted aborts when
/// destroyed. A read-only one can be reset and renewed to reuse its slot.
class Txn {
public:
    Txn() = default;
    Txn(Txn&& other) noexcept : txn_(std::exchange(other.txn_, nullptr)) {}
    Txn& operator=(Txn&& other) noexcept {
        if (this != &other) {
            abort();
            txn_ = std::exchange(other.txn_, nullptr);
        }
        return *this;
    }
    Txn(const Txn&) = delete;
    Txn& operator=(const Txn&) = delete;
    ~Txn() { abort(); }

    static Status begin(const Env& env, unsigned flags, Txn& out, MDB_txn* parent = nullptr) {
        MDB_txn* raw = nullptr;
        Status s = mdb_txn_begin(env.get(), parent, flags, &raw);
        if (s.ok()) {
            out = Txn(raw);
        }
        return s;
    }

    MDB_txn* get() const { return txn_; }
    explicit operator bool() const { return txn_ != nullptr; }

    /// Commits; the handle is released whatever the outcome.
    Status commit() { return mdb_txn_commit(std::exchange(txn_, nullptr)); }
    void abort() noexcept {
        if (txn_) {
            mdb_txn_abort(std::exchange(txn_, nullptr));
        }
    }
    /// Read-only only: releases the snapshot but keeps the handle for renew().
    void reset() noexcept { mdb_txn_reset(txn_); }
    Status renew() { return mdb_txn_renew(txn_); }

private:
    explicit Txn(MDB_txn* txn) : txn_(txn) {}
    MDB_txn* txn_ = nullptr;
};

/// A database handle; valid for the environment's life, nothing to free.
struct Dbi {
    MDB_dbi id = 0;

    static Status open(const Txn& txn, const char* name, unsigned flags, Dbi& out) {
        return mdb_dbi_open(txn.get(), name, flags, &out.id);
    }
};

/// Looks `key` up: `value` is empty on MDB_NOTFOUND (status ok).
inline Status get(const Txn& txn, Dbi dbi, std::string_view key,
                  std::optional<std::string_view>& value) {
    MDB_val k = to_val(key);
    MDB_val v{};
    Status s = mdb_get(txn.get(), dbi.id, &k, &v);
    value.reset();
    if (s.code() == MDB_NOTFOUND) {
        return {};
    }
    if (s.ok()) {
        value = to_view(v);
    }
    return s;
}

inline Status put(const Txn& txn, Dbi dbi, std::string_view key, std::string_view value,
                  unsigned flags = 0) {
    MDB_val k = to_val(key);
    MDB_val v = to_val(value);
    return mdb_put(txn.get(), dbi.id, &k, &v, flags);
}

/// Deletes `key`; `existed` says whether it was there (MDB_NOTFOUND is ok).
inline Status del(const Txn& txn, Dbi dbi, std::string_view key, bool* existed = nullptr) {
    MDB_val k = to_val(key);
    Status s = mdb_del(txn.get(), dbi.id, &k, nullptr);
    if (existed) {
        *existed = s.ok();
    }
    return s.code() == MDB_NOTFOUND ? Status{} : s;
}

inline Status entries(const Txn& txn, Dbi dbi, std::size_t& count) {
    MDB_stat stat{};
    Status s = mdb_stat(txn.get(), dbi.id, &stat);
    count = s.ok() ? stat.ms_entries : 0;
    return s;
}

/// A cursor; closed when destroyed (before its transaction ends).
class Cursor {
public:
    using Entry = std::pair<std::string_view, std::string_view>;

    Cursor() = default;
    Cursor(Cursor&& other) noexcept : cursor_(std::exchange(other.cursor_, nullptr)) {}
    Cursor& operator=(Cursor&& other) noexcept {
        if (this != &other) {
            close();
            cursor_ = std::exchange(other.cursor_, nullptr);
        }
        return *this;
    }
    Cursor(const Cursor&) = delete;
    Cursor& operator=(const Cursor&) = delete;
    ~Cursor() { close(); }

    static Status open(const Txn& txn, Dbi dbi, Cursor& out) {
        MDB_cursor* raw = nullptr;
        Status s = mdb_cursor_open(txn.get(), dbi.id, &raw);
        if (s.ok()) {
            out = Cursor(raw);
        }
        return s;
    }

    /// Positions the cursor (`op` as mdb_cursor_get; `key` for the SET ops,
    /// `value` too for the GET_BOTH ones of a sorted-duplicates table).
    /// `entry` is empty on MDB_NOTFOUND (status ok).
    Status get(MDB_cursor_op op, std::optional<Entry>& entry, std::string_view key = {},
               std::string_view value = {}) {
        MDB_val k = to_val(key);
        MDB_val v = to_val(value);
        Status s = mdb_cursor_get(cursor_, &k, &v, op);
        entry.reset();
        if (s.code() == MDB_NOTFOUND) {
            return {};
        }
        if (s.ok()) {
            entry = Entry{to_view(k), to_view(v)};
        }
        return s;
    }

    void close() noexcept {
        if (cursor_) {
            mdb_cursor_close(std::exchange(cursor_, nullptr));
        }
    }

private:
    explicit Cursor(MDB_cursor* cursor) : cursor_(cursor) {}
    MDB_cursor* cursor_ = nullptr;
};

}  // namespace sessiongate::session::lmdb
