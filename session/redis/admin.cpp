#include "session/redis/admin.hpp"

#include "session/redis/command.hpp"
#include "session/redis/commit.hpp"
#include "session/redis/session_write.hpp"

#include <algorithm>
#include <future>
#include <stdexcept>

namespace sessiongate::session::redis {
namespace {

constexpr std::string_view scan_batch = "1000";
constexpr std::size_t read_batch = 500;  // records per MGET when revoking by value

/// MGET of `keys`, one reply per key (Nil when absent).
std::string mget(const std::vector<std::string>& keys) {
    std::vector<std::string_view> argv{"MGET"};
    argv.insert(argv.end(), keys.begin(), keys.end());
    return format_command(argv);
}

/// Deletes of the record under `storage` (`record`, when it could be
/// opened), its handle key and its index entries.
void plan_removal(CommitPlan& plan, const Database& db, const std::string& storage, const SessionRecord* record) {
    const Keyspace& keys = db.keyspace();
    plan.del(keys.record(storage));
    if (!record) return;  // damaged: its handle key and entries expire with it
    plan.del(keys.handle(record->handle));
    for (const IndexEntry& entry : index_entries(db.index_keys(), record->data_json))
        plan.remove_member(keys.index(entry.key, entry.value), Keyspace::encode_storage_key(storage));
}

bool holds(const SessionRecord& record, std::span<const std::string> index_keys, const IndexEntry& entry) {
    const auto entries = index_entries(index_keys, record.data_json);
    return std::binary_search(entries.begin(), entries.end(), entry);
}

}  // namespace

std::vector<Reply> Admin::run(std::vector<std::string> commands) {
    return db_.run_sync(std::move(commands), Client::Clock::now() + timeout_);
}

std::set<std::string> Admin::handles() {
    const Keyspace& keys = db_.keyspace();
    const std::string pattern = keys.handle_pattern();
    std::set<std::string> found;  // SCAN may name a key twice
    std::string cursor = "0";
    do {
        const auto page = run({format_command({"SCAN", cursor, "MATCH", pattern, "COUNT", scan_batch})})[0];
        if (page.type != Reply::Type::Array || page.elements.size() != 2 ||
            page.elements[1].type != Reply::Type::Array)
            throw std::runtime_error("unexpected SCAN answer: " + describe(page));
        cursor = page.elements[0].text;
        for (const Reply& key : page.elements[1].elements)
            if (auto handle = keys.handle_of(key.text)) found.insert(std::move(*handle));
    } while (cursor != "0");
    return found;
}

std::optional<SessionRecord> Admin::find_by_handle(const std::string& handle) {
    const Keyspace& keys = db_.keyspace();
    const auto named = run({format_command({"GET", keys.handle(handle)})});
    if (named[0].is_nil()) return std::nullopt;
    const auto storage = Keyspace::decode_storage_key(named[0].text);
    if (!storage) throw std::runtime_error("the handle key of " + handle + " is damaged");
    const auto stored = run({format_command({"GET", keys.record(*storage)})});
    if (stored[0].is_nil()) return std::nullopt;
    auto record = db_.decode(stored[0].text, *storage);
    if (!record) throw std::runtime_error("the stored record of " + handle + " is damaged");
    return record;
}

bool Admin::remove_by_handle(const std::string& handle) {
    const Keyspace& keys = db_.keyspace();
    for (int attempt = 0; attempt < max_write_attempts; ++attempt) {
        const auto named = run({format_command({"GET", keys.handle(handle)})});
        if (named[0].is_nil()) return false;
        const auto storage = Keyspace::decode_storage_key(named[0].text);
        if (!storage) throw std::runtime_error("the handle key of " + handle + " is damaged");
        const std::string record_key = keys.record(*storage);
        const auto stored = run({format_command({"GET", record_key})});

        std::optional<SessionRecord> record;
        if (!stored[0].is_nil()) record = db_.decode(stored[0].text, *storage);

        // Deleted as a write deletes it, guarded the same way: a write
        // racing with this one computes again from the record's absence.
        CommitPlan plan;
        plan.expect(keys.handle(handle), named[0].text);
        plan.expect(record_key, stored[0].is_nil() ? "" : stored[0].text);
        plan_removal(plan, db_, *storage, record ? &*record : nullptr);
        plan.del(keys.handle(handle));  // again when the record named it: harmless
        std::string problem;
        const auto reply = read_commit_reply(
            db_.run_sync(commit_script(), plan.keys(), plan.args(), Client::Clock::now() + timeout_), problem);
        if (!reply) throw std::runtime_error(problem);
        if (reply->committed) return !stored[0].is_nil();
    }
    throw std::runtime_error("session " + handle + " kept changing; not deleted");
}

std::size_t Admin::count() {
    return handles().size();
}

std::vector<SessionSummary> Admin::list(std::size_t limit, const std::string& after) {
    std::vector<SessionSummary> out;
    if (limit == 0) return out;
    std::set<std::string> all;
    {
        // The page after the one just listed continues from its SCAN:
        // one SCAN per listing, not one per page.
        std::lock_guard lock(listing_mutex_);
        if (listing_ && !after.empty() && listing_->last == after) all = std::move(listing_->handles);
        else all = handles();
        listing_.reset();
    }
    const Keyspace& keys = db_.keyspace();
    auto it = all.upper_bound(after);
    while (it != all.end() && out.size() < limit) {
        // A page of handles at a time; one Redis may expire meanwhile
        // leaves a gap, filled from the next ones.
        std::vector<std::string> handle_keys;
        for (; it != all.end() && handle_keys.size() < limit - out.size(); ++it)
            handle_keys.push_back(keys.handle(*it));
        const auto named = run({mget(handle_keys)})[0];

        std::vector<std::string> record_keys, storages;
        for (const Reply& value : named.elements) {
            auto storage = value.is_nil() ? std::nullopt : Keyspace::decode_storage_key(value.text);
            if (!storage) continue;
            record_keys.push_back(keys.record(*storage));
            storages.push_back(std::move(*storage));
        }
        if (record_keys.empty()) continue;
        const auto records = run({mget(record_keys)})[0];
        for (std::size_t i = 0; i < records.elements.size() && i < storages.size(); ++i) {
            if (records.elements[i].is_nil()) continue;
            const auto record = db_.decode(records.elements[i].text, storages[i]);
            if (!record) continue;  // damaged: find_by_handle says so
            out.push_back(summary_of(*record));
        }
    }
    if (out.size() == limit) {  // a caller may ask for the next page
        all.erase(all.begin(), it);
        std::lock_guard lock(listing_mutex_);
        listing_ = Listing{out.back().handle, std::move(all)};
    }
    return out;
}

WriteResult Admin::write_by_handle(const std::string& handle, SessionWrite write) {
    std::promise<WriteResult> answer;
    write_session_by_handle(db_, handle, std::move(write), Client::Clock::now() + timeout_,
                            [&answer](WriteResult result) { answer.set_value(std::move(result)); });
    return answer.get_future().get();
}

std::vector<std::string> Admin::index_members(const IndexEntry& entry) {
    const auto set = run({format_command({"SMEMBERS", db_.keyspace().index(entry.key, entry.value)})})[0];
    std::vector<std::string> members;
    for (const Reply& member : set.elements) members.push_back(member.text);
    std::sort(members.begin(), members.end());
    return members;
}

std::vector<Admin::Indexed> Admin::read_indexed(const IndexEntry& entry, std::span<const std::string> members) {
    std::vector<Indexed> out;
    std::vector<std::string> record_keys, storages;
    for (const std::string& member : members) {
        auto storage = Keyspace::decode_storage_key(member);
        if (!storage) continue;  // not written by sessiongate
        record_keys.push_back(db_.keyspace().record(*storage));
        storages.push_back(std::move(*storage));
    }
    if (record_keys.empty()) return out;
    const auto records = run({mget(record_keys)})[0];
    std::vector<std::string> gone;
    for (std::size_t i = 0; i < records.elements.size() && i < storages.size(); ++i) {
        const Reply& bytes = records.elements[i];
        Indexed indexed{Keyspace::encode_storage_key(storages[i]), bytes.text, std::nullopt};
        if (bytes.is_nil()) {
            // Expired by its TTL. No write ever stores under that key again
            // (a gone session is never brought back, new ids are fresh), so
            // the member can go without a guard.
            gone.push_back(std::move(indexed.member));
            continue;
        }
        indexed.record = db_.decode(bytes.text, storages[i]);
        out.push_back(std::move(indexed));
    }
    if (!gone.empty()) {
        const std::string set = db_.keyspace().index(entry.key, entry.value);
        std::vector<std::string_view> prune{"SREM", set};
        prune.insert(prune.end(), gone.begin(), gone.end());
        run({format_command(prune)});
    }
    return out;
}

SessionAdmin::IndexPage Admin::find_by_index(const IndexEntry& entry, std::int64_t now, std::size_t limit,
                                             const std::string& cursor) {
    IndexPage page;
    if (limit == 0 || (!cursor.empty() && !Keyspace::decode_storage_key(cursor))) return page;  // not ours
    const std::vector<std::string> members = index_members(entry);
    auto it = std::upper_bound(members.begin(), members.end(), cursor);
    while (it != members.end() && page.sessions.size() < limit) {
        // A page of records at a time; gaps (expired, moved) are filled
        // from the next members.
        const auto batch = std::min<std::size_t>(limit - page.sessions.size(), members.end() - it);
        for (const Indexed& indexed : read_indexed(entry, std::span(&*it, batch))) {
            // Expired but not yet dropped by Redis: not a session any more.
            if (indexed.record && indexed.record->expires > now && holds(*indexed.record, db_.index_keys(), entry))
                page.sessions.push_back(summary_of(*indexed.record));
        }
        it += static_cast<std::ptrdiff_t>(batch);
    }
    if (it != members.end()) page.next = *(it - 1);
    return page;
}

std::size_t Admin::remove_by_index(const IndexEntry& entry, const std::string& except_handle) {
    std::size_t removed = 0;
    for (int attempt = 0; attempt < max_write_attempts; ++attempt) {
        // One compare-and-set per session, so traffic on one session makes
        // only that one be read again; a session cycled meanwhile shows up
        // under its new member in the next round.
        bool changed = false;
        const std::vector<std::string> members = index_members(entry);
        for (std::size_t at = 0; at < members.size(); at += read_batch) {
            const std::span batch(members.data() + at, std::min(read_batch, members.size() - at));
            for (const Indexed& indexed : read_indexed(entry, batch)) {
                const auto& record = indexed.record;
                if (!record || record->handle == except_handle || !holds(*record, db_.index_keys(), entry)) continue;
                const std::string storage = *Keyspace::decode_storage_key(indexed.member);
                if (remove_record(storage, indexed.bytes, *record)) ++removed;
                else changed = true;
            }
        }
        if (!changed) return removed;
    }
    throw std::runtime_error("the sessions of " + entry.key + "=" + entry.value + " kept changing; " +
                             std::to_string(removed) + " deleted, some left");
}

bool Admin::remove_record(const std::string& storage, const std::string& bytes, const SessionRecord& record) {
    CommitPlan plan;
    plan.expect(db_.keyspace().record(storage), bytes);
    plan_removal(plan, db_, storage, &record);
    std::string problem;
    const auto reply = read_commit_reply(
        db_.run_sync(commit_script(), plan.keys(), plan.args(), Client::Clock::now() + timeout_), problem);
    if (!reply) throw std::runtime_error(problem);
    return reply->committed;
}

}  // namespace sessiongate::session::redis
