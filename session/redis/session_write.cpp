#include "session/redis/session_write.hpp"

#include "session/record_codec.hpp"
#include "session/redis/command.hpp"
#include "session/redis/commit.hpp"
#include "session/session_id.hpp"
#include "session/write_rules.hpp"

#include <algorithm>
#include <memory>

namespace sessiongate::session::redis {
namespace {

WriteResult failure(std::string message) {
    WriteResult result;
    result.outcome = WriteOutcome::Error;
    result.error = std::move(message);
    return result;
}

class WriteOperation : public std::enable_shared_from_this<WriteOperation> {
public:
    WriteOperation(Database& db, SessionWrite write, Deadline deadline, Store::WriteCallback done)
        : db_(db), write_(std::move(write)), deadline_(deadline), done_(std::move(done)) {}

    void start() {
        if (deadline_ < Deadline::clock::now()) return finish(failure("deadline passed before the write"));
        // A value that is not an id names no record: the rules answer Gone.
        if (!is_well_formed_session_id(write_.current)) return decide(std::nullopt);
        read_current(storage_key(write_.current));
    }

    /// The session the handle key names, continued under the same id; the
    /// rules see the handle where a response's write has the id.
    void start_by_handle(std::string handle) {
        if (deadline_ < Deadline::clock::now()) return finish(failure("deadline passed before the write"));
        if (write_.action != SessionAction::None) return finish(failure("a write by handle keeps the id: no action"));
        write_.current = handle;
        db_.client().execute({format_command({"GET", db_.keyspace().handle(handle)})}, deadline_,
                             [self = shared_from_this()](Response response) { self->on_handle(std::move(response)); });
    }

private:
    void read_current(std::string storage) {
        current_storage_ = std::move(storage);
        current_key_ = db_.keyspace().record(current_storage_);
        db_.client().execute({format_command({"GET", current_key_})}, deadline_,
                             [self = shared_from_this()](Response response) { self->on_read(std::move(response)); });
    }

    void on_handle(Response response) {
        if (!response.ok()) return finish(failure(response.error->message));
        const Reply& reply = response.replies[0];
        if (reply.is_error()) return finish(failure("redis answered: " + reply.text));
        if (reply.is_nil()) return decide(std::nullopt);
        auto storage = Keyspace::decode_storage_key(reply.text);
        if (!storage) return finish(failure("the handle key is damaged"));
        read_current(std::move(*storage));
    }

    void on_read(Response response) {
        if (!response.ok()) return finish(failure(response.error->message));
        const Reply& reply = response.replies[0];
        if (reply.is_error()) return finish(failure("redis answered: " + reply.text));
        decide(reply.is_nil() ? std::nullopt : std::optional<std::string>(reply.text));
    }

    /// Applies the rules to what `current_key_` holds (`stored`) and commits.
    void decide(std::optional<std::string> stored) {
        std::optional<SessionRecord> current;
        if (stored) {
            current = db_.decode(*stored, current_storage_);
            if (!current) return finish(failure("stored record is damaged"));
        }
        NextRecord next = next_record(write_, current ? &*current : nullptr, db_.index_keys());
        WriteResult result;
        result.outcome = next.outcome;
        switch (next.outcome) {
        case WriteOutcome::Error: return finish(failure(std::move(next.error)));
        case WriteOutcome::Saved:
        case WriteOutcome::Deleted:
        case WriteOutcome::Gone: break;  // Gone may still end the stored session (max_lifetime)
        default: return finish(std::move(result));
        }

        const Keyspace& keys = db_.keyspace();
        const bool saved = next.outcome == WriteOutcome::Saved;
        CommitPlan plan;
        if (!current_key_.empty()) plan.expect(current_key_, stored.value_or(""));
        std::string storage = current_storage_;
        if (saved && next.new_id) {
            if (!is_well_formed_session_id(next.id)) return finish(failure("fresh_id is not a session id"));
            storage = storage_key(next.id);
            // Fresh ids are 256 random bits; a clash means a caller bug.
            plan.expect_absent(keys.record(storage));
            plan.expect_absent(keys.handle(next.record.handle));
        }
        if (saved && !is_encodable(next.record)) return finish(failure("record fields over their limits"));

        if (next.remove_current && current) {
            // What is written again below is replaced, not deleted first.
            if (!saved || next.new_id) plan.del(current_key_);
            if (!saved || next.record.handle != current->handle) plan.del(keys.handle(current->handle));
        }
        for (const IndexEntry& entry : next.index.remove)
            plan.remove_member(keys.index(entry.key, entry.value), Keyspace::encode_storage_key(current_storage_));
        if (saved) {
            auto sealed = db_.encode(next.record, storage);
            if (!sealed) return finish(failure("the record could not be sealed"));
            // Redis expires the session when the rules say it expires,
            // counted from the write's own clock.
            const std::int64_t ttl_ms = std::max<std::int64_t>(1, next.record.expires - write_.now) * 1000;
            plan.set(keys.record(storage), *sealed, ttl_ms);
            plan.set(keys.handle(next.record.handle), Keyspace::encode_storage_key(storage), ttl_ms);
            // Every entry, not only the new ones: a set must outlive its
            // longest-lived member, so a save that extends the session
            // extends its sets.
            for (const IndexEntry& entry : index_entries(db_.index_keys(), next.record.data_json))
                plan.add_member(keys.index(entry.key, entry.value), Keyspace::encode_storage_key(storage), ttl_ms);
            result.cookie_value = std::move(next.id);
            result.record = std::move(next.record);
        }
        if (!plan.has_changes()) return finish(std::move(result));

        commit_script().run(db_.client(), plan.keys(), plan.args(), deadline_,
                            [self = shared_from_this(), result = std::move(result)](Response response) mutable {
                                self->on_commit(std::move(response), std::move(result));
                            });
    }

    void on_commit(Response response, WriteResult result) {
        if (!response.ok()) return finish(failure(response.error->message));
        std::string problem;
        const auto reply = read_commit_reply(response.replies[0], problem);
        if (!reply) return finish(failure(problem));
        if (reply->committed) return finish(std::move(result));
        if (current_key_.empty() || reply->failed_guard != 0)
            return finish(failure("fresh id or handle already in use"));
        // Changed by another writer since it was read: the rules run again
        // on what it holds now, which the script sent back.
        if (++attempts_ >= max_write_attempts)
            return finish(failure("the session changed under " + std::to_string(attempts_) + " attempts in a row"));
        if (deadline_ < Deadline::clock::now()) return finish(failure("deadline passed while retrying the write"));
        decide(reply->current);
    }

    void finish(WriteResult result) {
        if (done_) std::exchange(done_, nullptr)(std::move(result));
    }

    Database& db_;
    SessionWrite write_;
    Deadline deadline_;
    Store::WriteCallback done_;
    std::string current_storage_;  // storage key of write_.current, when it is an id
    std::string current_key_;      // its record's Redis key
    int attempts_ = 0;
};

}  // namespace

void write_session(Database& db, SessionWrite write, Deadline deadline, Store::WriteCallback done) {
    std::make_shared<WriteOperation>(db, std::move(write), deadline, std::move(done))->start();
}

void write_session_by_handle(Database& db, std::string handle, SessionWrite write, Deadline deadline,
                             Store::WriteCallback done) {
    std::make_shared<WriteOperation>(db, std::move(write), deadline, std::move(done))
        ->start_by_handle(std::move(handle));
}

}  // namespace sessiongate::session::redis
