#include "session/lmdb/environment.hpp"

#include "session/store_log.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <thread>

namespace sessiongate::session::lmdb {
namespace {

using config::Durability;

// Environment flags, chosen for crash safety:
// - MDB_NOTLS: a read transaction is not tied to its thread's TLS, so each
//   thread keeps one reset transaction and renews it per read (no malloc,
//   no lock), and a thread that exits hands its reader slot to the next.
// - no MDB_WRITEMAP: the map stays read-only to the process, so a stray
//   write in our code cannot damage the database.
// - fsync: no MDB_NOSYNC; a commit returns after data and meta pages are on
//   disk, and a callback (hence the response head) runs only after that.
// - os: MDB_NOSYNC; a crashed process loses nothing (the OS has the pages),
//   a crashed machine may lose recent commits (the writer syncs once a
//   second to bound that) and, per LMDB's documentation, on file systems
//   that reorder writes even damage the database: a trade only for sessions
//   users can afford to lose (they log in again).
// - none: MDB_NOSYNC | MDB_NOMETASYNC; nothing synced while running.
// - MDB_NORDAHEAD: lookups are random; read-ahead would only evict pages.
unsigned env_flags(Durability durability) {
    unsigned flags = MDB_NOTLS | MDB_NORDAHEAD;
    switch (durability) {
    case Durability::Fsync: break;
    case Durability::Os: flags |= MDB_NOSYNC; break;
    case Durability::None: flags |= MDB_NOSYNC | MDB_NOMETASYNC; break;
    }
    return flags;
}

constexpr unsigned max_readers = 512;  // one per thread that reads, plus other processes
constexpr unsigned max_tables = 8;     // five now (tables.hpp), room for more

std::atomic<std::uint64_t> next_serial{1};

}  // namespace

void log_store_line(const char* event, const std::string& detail) {
    log_store_event(config::LogLevel::Error, event, {{"store", "lmdb"}, {"detail", detail}});
}

Environment::Environment(const config::StoreSettings& settings, crypto::KeyRing ring,
                         std::vector<std::string> index_keys)
    : settings_(settings), ring_(std::move(ring)), serial_(next_serial++) {
    tables_.ring = &ring_;
    namespace fs = std::filesystem;
    std::error_code ec;
    if (!fs::exists(settings_.path, ec)) {
        fs::create_directories(settings_.path, ec);
        if (ec) throw std::runtime_error("cannot create " + settings_.path + ": " + ec.message());
        fs::permissions(settings_.path, fs::perms::owner_all, ec);
    }
    claim_.emplace(settings_.path);
    settings_.max_map_size = std::max(settings_.max_map_size, settings_.map_size);
    env_ = Env::open(settings_.path, env_flags(settings_.durability), 0600, [&](MDB_env* e) -> Status {
        if (Status s = mdb_env_set_mapsize(e, settings_.map_size); !s.ok()) return s;
        if (Status s = mdb_env_set_maxdbs(e, max_tables); !s.ok()) return s;
        return mdb_env_set_maxreaders(e, max_readers);
    });
    // Slots left by crashed processes would pin old pages forever.
    int stale = 0;
    mdb_reader_check(env_.get(), &stale);
    // Another process may have grown the map beyond what we asked for.
    env_.set_map_size(0);
    if (env_.map_size() < settings_.map_size) env_.set_map_size(settings_.map_size);
    map_bytes_.store(env_.map_size());

    std::lock_guard lock(write_mutex_);
    Txn txn;
    Status s = begin_write(txn);
    if (s.ok()) s = Tables::open(txn, std::move(index_keys), tables_);  // keeps tables_.ring
    if (s.ok()) s = txn.commit();
    if (!s.ok()) throw Error("opening databases in " + settings_.path, s);
}

Environment::~Environment() {
    if (settings_.durability != Durability::Fsync) env_.sync(true);
    readers_->close();
    env_.close();
}

void Environment::enter_read() {
    for (;;) {
        active_readers_.fetch_add(1);
        if (!resizing_.load()) return;
        active_readers_.fetch_sub(1);
        resizing_.wait(true);
    }
}

Status Environment::resize_locked(std::size_t bytes) {
    resizing_.store(true);
    while (active_readers_.load() != 0) std::this_thread::yield();
    Status s = env_.set_map_size(bytes);
    map_bytes_.store(env_.map_size());
    resizing_.store(false);
    resizing_.notify_all();
    return s;
}

bool Environment::grow_locked() {
    const std::size_t now = env_.map_size();
    if (now >= settings_.max_map_size) return false;
    const std::size_t next = std::min<std::uint64_t>(settings_.max_map_size, now * 2);
    if (Status s = resize_locked(next); !s.ok()) {
        log_store_line("store_resize_failed", s.message());
        return false;
    }
    grows_.fetch_add(1);
    return true;
}

Status Environment::begin_write(Txn& txn) {
    Status s;
    for (int attempt = 0; attempt < 3; ++attempt) {
        s = Txn::begin(env_, 0, txn);
        if (!s.map_resized()) return s;
        resize_locked(0);
    }
    return s;
}

}  // namespace sessiongate::session::lmdb
