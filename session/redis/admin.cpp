#include "session/redis/admin.hpp"

#include "session/redis/command.hpp"
#include "session/redis/commit.hpp"
#include "session/redis/session_write.hpp"

#include <stdexcept>

namespace sessiongate::session::redis {
namespace {

constexpr std::string_view scan_batch = "1000";

/// MGET of `keys`, one reply per key (Nil when absent).
std::string mget(const std::vector<std::string>& keys) {
    std::vector<std::string_view> argv{"MGET"};
    argv.insert(argv.end(), keys.begin(), keys.end());
    return format_command(argv);
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

        // Deleted as a write deletes it, guarded the same way: a write
        // racing with this one computes again from the record's absence.
        CommitPlan plan;
        plan.expect(keys.handle(handle), named[0].text);
        plan.expect(record_key, stored[0].is_nil() ? "" : stored[0].text);
        plan.del(record_key);
        plan.del(keys.handle(handle));
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
    const std::set<std::string> all = handles();
    const Keyspace& keys = db_.keyspace();
    for (auto it = all.upper_bound(after); it != all.end() && out.size() < limit;) {
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
            out.push_back(SessionSummary{record->handle, record->created, record->expires, record->data_json.size()});
        }
    }
    return out;
}

}  // namespace sessiongate::session::redis
