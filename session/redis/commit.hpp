// How a session change is committed to Redis: an optimistic
// compare-and-set. sessiongate reads the record, computes the next one with
// the pure write rules (write_rules.hpp) and sends a CommitPlan: guards
// (these keys still hold what was read) and the changes to make if they
// do. One Lua script checks the guards and applies the changes atomically
// on the server; when a guard fails it changes nothing and answers what the
// key holds now, so the caller computes again from that and retries.
//
// The rules run in sessiongate, not in Lua, because the record's data is
// sealed (sealed_record.hpp): Redis holds no key that could open it.
#pragma once

#include "session/redis/reply.hpp"
#include "session/redis/script.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sessiongate::session::redis {

/// The commit script (run with CommitPlan's keys and args).
const Script& commit_script();

class CommitPlan {
public:
    CommitPlan();

    /// Guards, checked before any change: `key` holds exactly `value`, or
    /// (expect_absent) nothing. Add every guard before the first change.
    void expect(const std::string& key, const std::string& value);
    void expect_absent(const std::string& key);

    /// `key` set to `value`, expiring in `ttl_ms`.
    void set(const std::string& key, const std::string& value, std::int64_t ttl_ms);
    void del(const std::string& key);
    /// `member` added to the set `key`, which then expires no sooner than
    /// in `ttl_ms` (never sooner than it did: it outlives every member).
    void add_member(const std::string& key, const std::string& member, std::int64_t ttl_ms);
    void remove_member(const std::string& key, const std::string& member);

    bool has_changes() const { return changes_ > 0; }
    const std::vector<std::string>& keys() const { return keys_; }
    const std::vector<std::string>& args() const { return args_; }

private:
    std::vector<std::string> keys_;
    std::vector<std::string> args_;
    std::size_t guards_ = 0;
    std::size_t changes_ = 0;
};

/// What the commit script answered.
struct CommitReply {
    bool committed = false;
    std::size_t failed_guard = 0;        // when not committed: 0-based, in the order added
    std::optional<std::string> current;  // what that guard's key holds now
};

/// Reads the script's answer; nullopt for anything else (an error reply:
/// `problem` says which).
std::optional<CommitReply> read_commit_reply(const Reply& reply, std::string& problem);

}  // namespace sessiongate::session::redis
