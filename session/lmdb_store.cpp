#include "session/lmdb_store.hpp"

#include "session/lmdb.hpp"
#include "session/lmdb_readers.hpp"
#include "session/lmdb_session_write.hpp"
#include "session/lmdb_tables.hpp"
#include "session/record_codec.hpp"
#include "session/session_id.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <future>
#include <mutex>
#include <set>
#include <span>
#include <thread>

#include <unistd.h>

namespace sessiongate::session {
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
//   a crashed machine may lose recent commits (we sync once a second to
//   bound that) and, per LMDB's documentation, on file systems that reorder
//   writes even damage the database: a trade only for sessions users can
//   afford to lose (they log in again).
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

constexpr unsigned max_readers = 512;             // one per thread that reads, plus other processes
constexpr std::size_t sweep_chunk = 1000;         // expired sessions deleted per transaction
constexpr std::size_t commit_delay_batch = 1024;  // stop waiting for more writes at this many
constexpr auto os_sync_interval = std::chrono::seconds(1);

/// One JSON line on stderr; a single fputs, so lines from threads do not mix.
void log_line(const char* event, const std::string& detail) {
    boost::json::object line;
    line["event"] = event;
    line["store"] = "lmdb";
    line["detail"] = detail;
    std::fputs((boost::json::serialize(line) + "\n").c_str(), stderr);
}

// ------------------------------------------------------------- writer jobs

enum class BatchOutcome { Committed, Full, Error };

/// One queued operation. apply() runs inside the batch transaction, and
/// again from scratch if the batch is retried after the map grew; finish()
/// runs once, after the commit (or the batch's failure).
struct Job {
    virtual ~Job() = default;
    /// A non-ok status means the transaction is unusable: the batch fails.
    virtual lmdb::Status apply(const lmdb::Txn& txn, const LmdbTables& t) = 0;
    virtual void finish(BatchOutcome outcome, const std::string& error) = 0;
};

struct WriteJob final : Job {
    WriteJob(SessionWrite w, Store::WriteCallback cb) : write(std::move(w)), done(std::move(cb)) {}

    lmdb::Status apply(const lmdb::Txn& txn, const LmdbTables& t) override {
        try {
            return apply_session_write(txn, t, write, result);
        } catch (const std::exception& e) {
            // Only allocation can throw here. It might strike between two
            // puts, so the whole batch is abandoned rather than committed
            // with a half-written record.
            result = WriteResult{WriteOutcome::Error, {}, {}, e.what()};
            return lmdb::Status(ENOMEM);
        }
    }
    void finish(BatchOutcome outcome, const std::string& error) override {
        if (outcome == BatchOutcome::Full) {
            result = WriteResult{WriteOutcome::Full, {}, {}, error};
        } else if (outcome == BatchOutcome::Error) {
            result = WriteResult{WriteOutcome::Error, {}, {}, error};
        }
        if (done) done(std::move(result));
    }

    SessionWrite write;
    Store::WriteCallback done;
    WriteResult result;
};

/// A synchronous administrative write: the caller waits on `promise`.
template <class T>
struct AdminJob final : Job {
    using Apply = std::function<lmdb::Status(const lmdb::Txn&, const LmdbTables&, T&)>;
    AdminJob(Apply fn, T fallback) : fn(std::move(fn)), fallback(fallback) {}

    lmdb::Status apply(const lmdb::Txn& txn, const LmdbTables& t) override {
        value = fallback;
        return fn(txn, t, value);
    }
    void finish(BatchOutcome outcome, const std::string&) override {
        promise.set_value(outcome == BatchOutcome::Committed ? value : fallback);
    }

    Apply fn;
    T fallback;
    T value{};
    std::promise<T> promise;
};

struct SweepChunk {
    std::size_t removed = 0;  // sessions deleted
    std::size_t scanned = 0;  // index entries consumed; a full chunk means maybe more
};

std::atomic<std::uint64_t> next_store_serial{1};

/// Marks a directory as open in this process. LMDB must not open one
/// environment twice in a process: closing the second handle would drop the
/// first one's file locks. Keyed by pid too, so a forked child (which
/// inherits this table) may open its own.
class DirectoryClaim {
public:
    explicit DirectoryClaim(const std::string& path)
        : key_(std::to_string(::getpid()) + ":" +
               std::filesystem::weakly_canonical(path).string()) {
        std::lock_guard lock(mutex());
        if (!claimed().insert(key_).second) {
            throw std::runtime_error(path + " is already open as a session store in this process");
        }
    }
    ~DirectoryClaim() {
        std::lock_guard lock(mutex());
        claimed().erase(key_);
    }
    DirectoryClaim(const DirectoryClaim&) = delete;
    DirectoryClaim& operator=(const DirectoryClaim&) = delete;

private:
    static std::mutex& mutex() {
        static std::mutex m;
        return m;
    }
    static std::set<std::string>& claimed() {
        static std::set<std::string> paths;
        return paths;
    }
    std::string key_;
};

}  // namespace

// ================================================================== Impl

struct LmdbStore::Impl {
    config::StoreSettings settings;
    std::uint64_t serial = next_store_serial.fetch_add(1);
    std::optional<DirectoryClaim> claim;  // released after the env closes
    lmdb::Env env;
    LmdbTables tables;
    std::shared_ptr<ReaderPool> readers = std::make_shared<ReaderPool>();

    // Resizing the map needs every transaction of this process finished.
    // Readers announce themselves in `active_readers` and back off while
    // `resizing` is set; the resizer holds `write_mutex` (no write txn) and
    // waits for the count to drain. Readers touch only the two atomics.
    std::atomic<int> active_readers{0};
    std::atomic<bool> resizing{false};
    std::mutex write_mutex;

    std::mutex queue_mutex;
    std::condition_variable queue_cv;
    std::deque<std::unique_ptr<Job>> queue;
    bool stopping = false;
    std::thread writer;

    std::atomic<std::uint64_t> jobs{0}, commits{0}, grows{0};
    // For stats(): mdb_env_info would read the meta pages mid-resize.
    std::atomic<std::uint64_t> map_bytes{0};

    explicit Impl(const config::StoreSettings& s) : settings(s) {
        namespace fs = std::filesystem;
        std::error_code ec;
        if (!fs::exists(settings.path, ec)) {
            fs::create_directories(settings.path, ec);
            if (ec)
                throw std::runtime_error("cannot create " + settings.path + ": " + ec.message());
            fs::permissions(settings.path, fs::perms::owner_all, ec);
        }
        claim.emplace(settings.path);
        settings.max_map_size = std::max(settings.max_map_size, settings.map_size);
        env = lmdb::Env::open(
            settings.path, env_flags(settings.durability), 0600, [&](MDB_env* e) -> lmdb::Status {
                if (lmdb::Status st = mdb_env_set_mapsize(e, settings.map_size); !st.ok())
                    return st;
                if (lmdb::Status st = mdb_env_set_maxdbs(e, 4); !st.ok()) return st;
                return mdb_env_set_maxreaders(e, max_readers);
            });
        // Slots left by crashed processes would pin old pages forever.
        int stale = 0;
        mdb_reader_check(env.get(), &stale);
        // Another process may have grown the map beyond what we asked for.
        env.set_map_size(0);
        if (env.map_size() < settings.map_size) env.set_map_size(settings.map_size);
        map_bytes.store(env.map_size());

        lmdb::Txn txn;
        lmdb::Status st = begin_write(txn);
        if (st.ok()) st = lmdb::Dbi::open(txn, "sessions", MDB_CREATE, tables.sessions);
        if (st.ok()) st = lmdb::Dbi::open(txn, "handles", MDB_CREATE, tables.handles);
        if (st.ok()) st = lmdb::Dbi::open(txn, "expiry", MDB_CREATE, tables.expiry);
        if (st.ok()) st = txn.commit();
        if (!st.ok()) throw lmdb::Error("opening databases in " + settings.path, st);

        writer = std::thread([this] { writer_loop(); });
    }

    ~Impl() {
        {
            std::lock_guard lock(queue_mutex);
            stopping = true;
        }
        queue_cv.notify_all();
        if (writer.joinable()) writer.join();
        if (settings.durability != Durability::Fsync) env.sync(true);
        readers->close();
        env.close();
    }

    // ------------------------------------------------------------ reads

    /// Runs `fn(txn)` in this thread's read transaction.
    template <class Fn>
    lmdb::Status read(Fn&& fn) {
        lmdb::Txn& txn = thread_read_txn(serial, readers);
        for (int attempt = 0;; ++attempt) {
            enter_read();
            lmdb::Status s = txn ? txn.renew() : lmdb::Txn::begin(env, MDB_RDONLY, txn);
            if (s.map_resized() && attempt < 3) {
                // Another process grew the map: adopt its size, then retry.
                leave_read();
                std::lock_guard lock(write_mutex);
                resize_locked(0);
                continue;
            }
            if (s.ok()) {
                s = fn(static_cast<const lmdb::Txn&>(txn));
                txn.reset();
            }
            leave_read();
            return s;
        }
    }

    void enter_read() {
        for (;;) {
            active_readers.fetch_add(1);
            if (!resizing.load()) return;
            active_readers.fetch_sub(1);
            resizing.wait(true);
        }
    }
    void leave_read() { active_readers.fetch_sub(1); }

    /// mdb_env_set_mapsize with no transaction running. Holds write_mutex.
    lmdb::Status resize_locked(std::size_t bytes) {
        resizing.store(true);
        while (active_readers.load() != 0) std::this_thread::yield();
        lmdb::Status s = env.set_map_size(bytes);
        map_bytes.store(env.map_size());
        resizing.store(false);
        resizing.notify_all();
        return s;
    }

    /// Doubles the map up to max_map_size. Holds write_mutex.
    bool grow_locked() {
        const std::size_t now = env.map_size();
        if (now >= settings.max_map_size) return false;
        const std::size_t next = std::min<std::uint64_t>(settings.max_map_size, now * 2);
        if (lmdb::Status s = resize_locked(next); !s.ok()) {
            log_line("store_resize_failed", s.message());
            return false;
        }
        grows.fetch_add(1);
        return true;
    }

    /// Begins the write transaction, adopting a map grown by another
    /// process. Holds write_mutex.
    lmdb::Status begin_write(lmdb::Txn& txn) {
        lmdb::Status s;
        for (int attempt = 0; attempt < 3; ++attempt) {
            s = lmdb::Txn::begin(env, 0, txn);
            if (!s.map_resized()) return s;
            resize_locked(0);
        }
        return s;
    }

    // ---------------------------------------------------------- writes

    void enqueue(std::unique_ptr<Job> job) {
        {
            std::lock_guard lock(queue_mutex);
            queue.push_back(std::move(job));
        }
        queue_cv.notify_one();
    }

    template <class T>
    T run_admin(typename AdminJob<T>::Apply fn, T fallback) {
        auto job = std::make_unique<AdminJob<T>>(std::move(fn), fallback);
        auto result = job->promise.get_future();
        enqueue(std::move(job));
        return result.get();
    }

    void writer_loop() {
        using clock = std::chrono::steady_clock;
        std::vector<std::unique_ptr<Job>> batch;
        bool unsynced = false;
        auto last_sync = clock::now();
        for (;;) {
            {
                std::unique_lock lock(queue_mutex);
                auto ready = [&] { return stopping || !queue.empty(); };
                if (unsynced) {
                    queue_cv.wait_for(lock, os_sync_interval, ready);
                } else {
                    queue_cv.wait(lock, ready);
                }
                if (queue.empty() && stopping) break;
                if (!queue.empty() && settings.commit_delay.count() > 0 && !stopping) {
                    // Wait a little for more writes to share the commit.
                    queue_cv.wait_for(lock, settings.commit_delay, [&] {
                        return stopping || queue.size() >= commit_delay_batch;
                    });
                }
                for (auto& job : queue) batch.push_back(std::move(job));
                queue.clear();
            }
            if (!batch.empty()) {
                run_batch(batch);
                batch.clear();
                unsynced = settings.durability == Durability::Os;
            }
            if (unsynced && clock::now() - last_sync >= os_sync_interval) {
                env.sync(true);
                last_sync = clock::now();
                unsynced = false;
            }
        }
    }

    /// Applies `jobs` in one write transaction; on MDB_MAP_FULL grows the
    /// map and runs them all again. Holds write_mutex.
    BatchOutcome commit_locked(std::span<const std::unique_ptr<Job>> jobs, std::string& error) {
        for (;;) {
            lmdb::Txn txn;
            lmdb::Status s = begin_write(txn);
            for (std::size_t i = 0; s.ok() && i < jobs.size(); ++i) {
                s = jobs[i]->apply(txn, tables);
            }
            if (s.ok()) s = txn.commit();
            if (s.ok()) {
                commits.fetch_add(1);
                return BatchOutcome::Committed;
            }
            txn.abort();
            if (s.map_full() && grow_locked()) continue;
            if (s.map_full()) {
                error = "session store full at " + std::to_string(env.map_size()) + " bytes";
                return BatchOutcome::Full;
            }
            error = "lmdb: " + s.message();
            log_line("store_error", error);
            return BatchOutcome::Error;
        }
    }

    /// Group commit: every queued job in one transaction, then the callbacks.
    void run_batch(std::vector<std::unique_ptr<Job>>& batch) {
        std::vector<BatchOutcome> outcomes(batch.size(), BatchOutcome::Committed);
        std::string error;
        {
            std::lock_guard lock(write_mutex);
            const BatchOutcome outcome = commit_locked(batch, error);
            std::fill(outcomes.begin(), outcomes.end(), outcome);
            if (outcome == BatchOutcome::Full) {
                log_line("store_full", error);
                if (batch.size() > 1) {
                    // At the size limit: commit what still fits one job at a
                    // time, so one large session does not fail the others
                    // (and the commits make pages freed by deletes reusable).
                    for (std::size_t i = 0; i < batch.size(); ++i) {
                        std::string job_error;
                        outcomes[i] = commit_locked({&batch[i], 1}, job_error);
                        if (outcomes[i] == BatchOutcome::Error) error = job_error;
                    }
                }
            }
        }
        jobs.fetch_add(batch.size());
        for (std::size_t i = 0; i < batch.size(); ++i) {
            try {
                batch[i]->finish(outcomes[i], error);
            } catch (const std::exception& e) {
                // A throwing callback must not take the writer thread down.
                log_line("store_callback_failed", e.what());
            }
        }
    }
};

// ============================================================== LmdbStore

LmdbStore::LmdbStore(const config::StoreSettings& settings)
    : impl_(std::make_unique<Impl>(settings)) {}

LmdbStore::~LmdbStore() = default;

void LmdbStore::load(std::string cookie_value, std::int64_t now, LoadCallback done) {
    LoadResult result;
    if (!is_well_formed_session_id(cookie_value)) {
        done(std::move(result));  // NotFound without a lookup
        return;
    }
    const std::string key = storage_key(cookie_value);
    lmdb::Status s = impl_->read([&](const lmdb::Txn& txn) -> lmdb::Status {
        std::optional<RecordView> view;
        bool damaged = false;
        lmdb::Status st = read_record(txn, impl_->tables, key, view, damaged);
        if (!st.ok()) return st;
        if (damaged) {
            result.status = LoadStatus::Error;
            result.error = "stored record is damaged";
        } else if (!view) {
            result.status = LoadStatus::NotFound;
        } else if (view->expires <= now) {
            result.status = LoadStatus::Expired;
        } else {
            result.status = LoadStatus::Found;
            result.record = view->to_record();
        }
        return st;
    });
    if (!s.ok()) {
        result = LoadResult{LoadStatus::Error, {}, "lmdb: " + s.message()};
    }
    done(std::move(result));
}

void LmdbStore::write(SessionWrite change, WriteCallback done) {
    impl_->enqueue(std::make_unique<WriteJob>(std::move(change), std::move(done)));
}

std::optional<SessionRecord> LmdbStore::find_by_handle(const std::string& handle) {
    std::optional<SessionRecord> found;
    impl_->read([&](const lmdb::Txn& txn) -> lmdb::Status {
        std::optional<std::string_view> key;
        lmdb::Status s = lmdb::get(txn, impl_->tables.handles, handle, key);
        if (!s.ok() || !key) return s;
        std::optional<RecordView> view;
        bool damaged = false;
        s = read_record(txn, impl_->tables, *key, view, damaged);
        if (s.ok() && view) found = view->to_record();
        return s;
    });
    return found;
}

bool LmdbStore::remove_by_handle(const std::string& handle) {
    return impl_->run_admin<bool>(
        [handle](const lmdb::Txn& txn, const LmdbTables& t, bool& removed) -> lmdb::Status {
            std::optional<std::string_view> key_view;
            lmdb::Status s = lmdb::get(txn, t.handles, handle, key_view);
            if (!s.ok() || !key_view) return s;
            const std::string key(*key_view);
            std::optional<RecordView> view;
            bool damaged = false;
            s = read_record(txn, t, key, view, damaged);
            if (!s.ok()) return s;
            if (view) {
                const SessionRecord record = view->to_record();
                s = erase_record(txn, t, key, record);
            } else {
                // Index entry without record (or a damaged record): drop both.
                s = lmdb::del(txn, t.sessions, key);
                if (s.ok()) s = lmdb::del(txn, t.handles, handle);
            }
            removed = s.ok();
            return s;
        },
        false);
}

std::size_t LmdbStore::sweep(std::int64_t now) {
    std::size_t total = 0;
    for (;;) {
        // Chunks keep each transaction short, so session writes queued
        // meanwhile are not held up behind a large sweep.
        const SweepChunk chunk = impl_->run_admin<SweepChunk>(
            [now](const lmdb::Txn& txn, const LmdbTables& t, SweepChunk& chunk) -> lmdb::Status {
                std::vector<std::string> due;
                {
                    lmdb::Cursor cursor;
                    lmdb::Status s = lmdb::Cursor::open(txn, t.expiry, cursor);
                    std::optional<lmdb::Cursor::Entry> entry;
                    if (s.ok()) s = cursor.get(MDB_FIRST, entry);
                    while (s.ok() && entry && due.size() < sweep_chunk &&
                           expiry_of(entry->first) <= now) {
                        due.emplace_back(entry->first);
                        s = cursor.get(MDB_NEXT, entry);
                    }
                    if (!s.ok()) return s;
                }
                for (const auto& index_key : due) {
                    const std::string_view key = std::string_view(index_key).substr(8);
                    std::optional<RecordView> view;
                    bool damaged = false;
                    lmdb::Status s = read_record(txn, t, key, view, damaged);
                    if (!s.ok()) return s;
                    if (view && view->expires <= now) {
                        const SessionRecord record = view->to_record();
                        if (s = erase_record(txn, t, key, record); !s.ok()) return s;
                        ++chunk.removed;
                    }
                    // A stale index entry (record gone or re-saved) just goes.
                    if (s = lmdb::del(txn, t.expiry, index_key); !s.ok()) return s;
                }
                chunk.scanned = due.size();
                return {};
            },
            SweepChunk{});
        total += chunk.removed;
        if (chunk.scanned < sweep_chunk) break;
    }
    return total;
}

std::size_t LmdbStore::count() {
    std::size_t n = 0;
    impl_->read(
        [&](const lmdb::Txn& txn) { return lmdb::entries(txn, impl_->tables.sessions, n); });
    return n;
}

std::vector<SessionSummary> LmdbStore::list(std::size_t limit, const std::string& after) {
    std::vector<SessionSummary> out;
    lmdb::Status s = impl_->read([&](const lmdb::Txn& txn) -> lmdb::Status {
        lmdb::Cursor cursor;
        lmdb::Status st = lmdb::Cursor::open(txn, impl_->tables.handles, cursor);
        std::optional<lmdb::Cursor::Entry> entry;
        if (st.ok()) {
            st = after.empty() ? cursor.get(MDB_FIRST, entry)
                               : cursor.get(MDB_SET_RANGE, entry, after);
        }
        if (st.ok() && entry && !after.empty() && entry->first == after) {
            st = cursor.get(MDB_NEXT, entry);
        }
        while (st.ok() && entry && out.size() < limit) {
            std::optional<RecordView> view;
            bool damaged = false;
            st = read_record(txn, impl_->tables, entry->second, view, damaged);
            if (st.ok() && view) {
                out.push_back(SessionSummary{std::string(view->handle), view->created,
                                             view->expires, view->data_json.size()});
            }
            if (st.ok()) st = cursor.get(MDB_NEXT, entry);
        }
        return st;
    });
    if (!s.ok()) log_line("store_error", "list: " + s.message());
    return out;
}

LmdbStore::Stats LmdbStore::stats() const {
    return Stats{impl_->jobs.load(), impl_->commits.load(), impl_->grows.load(),
                 impl_->map_bytes.load(), impl_->env.used_bytes()};
}

}  // namespace sessiongate::session
