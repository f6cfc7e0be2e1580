#include "session/write_rules.hpp"

#include "session/merge_patch.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <iterator>

namespace sessiongate::session {
namespace {

NextRecord outcome(WriteOutcome what, bool remove_current = false) {
    NextRecord next;
    next.outcome = what;
    next.remove_current = remove_current;
    return next;
}

NextRecord failure(std::string message) {
    NextRecord next = outcome(WriteOutcome::Error);
    next.error = std::move(message);
    return next;
}

std::optional<boost::json::object> parse_object(std::string_view text) {
    boost::system::error_code ec;
    boost::json::value value = boost::json::parse(text, ec);
    if (ec || !value.is_object()) return std::nullopt;
    return std::move(value.as_object());
}

std::optional<std::int64_t> expiry_seconds(const ExpirySetting& setting) {
    switch (setting.kind) {
    case ExpirySetting::Kind::Seconds: return setting.seconds;
    case ExpirySetting::Kind::BrowserSession: return 0;
    case ExpirySetting::Kind::Default: break;
    }
    return std::nullopt;
}

/// The entries of `a` not in `b` (both sorted).
std::vector<IndexEntry> minus(const std::vector<IndexEntry>& a, const std::vector<IndexEntry>& b) {
    std::vector<IndexEntry> out;
    std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
    return out;
}

IndexChanges index_changes(std::span<const std::string> keys, const NextRecord& next, const SessionRecord* current) {
    IndexChanges changes;
    if (keys.empty()) return changes;
    const bool saved = next.outcome == WriteOutcome::Saved;
    const bool removed = next.remove_current && current;
    if (!saved && !removed) return changes;
    // Untouched data under the same id (a touch, an expiry change): nothing moves.
    if (saved && removed && !next.new_id && next.record.data_json == current->data_json) return changes;
    auto before = removed ? index_entries(keys, current->data_json) : std::vector<IndexEntry>{};
    auto after = saved ? index_entries(keys, next.record.data_json) : std::vector<IndexEntry>{};
    if (saved && removed && !next.new_id) {
        changes.remove = minus(before, after);
        changes.add = minus(after, before);
    } else {
        changes.remove = std::move(before);
        changes.add = std::move(after);
    }
    return changes;
}

NextRecord decide(const SessionWrite& w, const SessionRecord* current);

}  // namespace

std::vector<IndexEntry> index_entries(std::span<const std::string> keys, std::string_view data_json) {
    std::vector<IndexEntry> out;
    if (keys.empty()) return out;
    auto data = parse_object(data_json);
    if (!data) return out;
    for (const auto& key : keys) {
        const auto* value = data->if_contains(key);
        if (!value) continue;
        std::string text;
        if (value->is_string()) text = std::string(value->get_string());
        else if (value->is_number() || value->is_bool()) text = boost::json::serialize(*value);
        else continue;
        if (text.empty() || text.size() > max_index_value_bytes) continue;
        out.push_back({key, std::move(text)});
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

std::optional<std::string> index_lookup_value(std::string_view text) {
    if (text.empty() || text.size() > max_index_value_bytes) return std::nullopt;
    return std::string(text);
}

std::optional<IndexEntry> index_lookup(std::span<const std::string> index_keys, std::string_view key,
                                       std::string_view value, std::string& problem) {
    if (std::find(index_keys.begin(), index_keys.end(), key) == index_keys.end()) {
        if (index_keys.empty()) {
            problem = "no session key is indexed (config index)";
            return std::nullopt;
        }
        std::string known;
        for (const auto& k : index_keys) known += (known.empty() ? "" : ", ") + k;
        problem = "\"" + std::string(key) + "\" is not an indexed key (index: [" + known + "])";
        return std::nullopt;
    }
    auto text = index_lookup_value(value);
    if (!text) {
        problem = "the value of " + std::string(key) + " must be 1 to " + std::to_string(max_index_value_bytes) +
                  " bytes";
        return std::nullopt;
    }
    return IndexEntry{std::string(key), std::move(*text)};
}

NextRecord next_record(const SessionWrite& w, const SessionRecord* current, std::span<const std::string> index_keys) {
    NextRecord next = decide(w, current);
    next.index = index_changes(index_keys, next, w.current.empty() ? nullptr : current);
    return next;
}

namespace {

NextRecord decide(const SessionWrite& w, const SessionRecord* current) {
    if (w.current.empty()) current = nullptr;  // no session was loaded: nothing to continue
    const bool alive = current && current->expires > w.now;
    // Never bring back a session deleted or expired meanwhile; only a flush
    // may go on, as it starts afresh anyway.
    if (!w.current.empty() && !alive && w.action != SessionAction::Flush) return outcome(WriteOutcome::Gone);

    const bool keeps_id = alive && (w.action == SessionAction::None || w.action == SessionAction::Clear);
    // Data, expiry setting and internal fields go together: clear drops them
    // all, as Django's clear() empties the session dict holding all three.
    const bool keeps_data = alive && (w.action == SessionAction::None || w.action == SessionAction::Cycle);
    if (alive && w.action == SessionAction::None && w.patches.empty() && !w.expiry && !w.touch &&
        w.internal.empty())
        return outcome(WriteOutcome::Unchanged);

    NextRecord next;
    SessionRecord& record = next.record;
    next.new_id = !keeps_id;
    next.id = keeps_id ? w.current : w.fresh_id;
    record.handle = keeps_id ? current->handle : w.fresh_handle;
    record.created = alive && w.action != SessionAction::Flush ? current->created : w.now;
    if (keeps_data) {
        record.expiry_seconds = current->expiry_seconds;
        record.internal = current->internal;
    }

    if (keeps_data && w.patches.empty()) {
        record.data_json = current->data_json;  // untouched: no reparse
    } else {
        boost::json::object data;
        if (keeps_data) {
            auto stored = parse_object(current->data_json);
            if (!stored) return failure("stored session data is not a JSON object");
            data = std::move(*stored);
        }
        for (const auto& patch : w.patches) apply_merge_patch(data, patch);
        record.data_json = data.empty() ? "{}" : boost::json::serialize(data);
    }
    for (const auto& [name, value] : w.internal) {
        if (value) record.internal[name] = *value;
        else record.internal.erase(name);
    }

    if (record.data_json == "{}") {
        // Nothing left to keep: the session is deleted, its cookie expired.
        // Internal fields (a CSRF secret) belong to the data and never keep
        // a session alive by themselves.
        return current ? outcome(WriteOutcome::Deleted, true) : outcome(WriteOutcome::Unchanged);
    }
    if (record.data_json.size() > w.max_bytes) return outcome(WriteOutcome::TooLarge);

    if (w.expiry) record.expiry_seconds = expiry_seconds(*w.expiry);
    const std::int64_t age =
        record.expiry_seconds && *record.expiry_seconds > 0 ? *record.expiry_seconds : w.policy.age;
    record.modified = w.now;
    record.expires = w.now + age;
    if (w.policy.max_lifetime > 0) {
        const std::int64_t cap = record.created + w.policy.max_lifetime;
        // Past its absolute lifetime: it ends here, whatever was asked.
        if (cap <= w.now) return outcome(WriteOutcome::Gone, current != nullptr);
        record.expires = std::min(record.expires, cap);
    }

    if (next.new_id && (record.handle.empty() || record.handle.size() > max_handle_bytes))
        return failure("fresh_handle is empty or too long");
    next.outcome = WriteOutcome::Saved;
    next.remove_current = current != nullptr;
    return next;
}

}  // namespace
}  // namespace sessiongate::session
