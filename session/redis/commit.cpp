#include "session/redis/commit.hpp"

#include <stdexcept>

namespace sessiongate::session::redis {
namespace {

// KEYS: one per guard, then one per change. ARGV[1] the number of guards,
// then each guard's expected value ('' = absent; a stored record is never
// empty), then the changes: 'set' value ttl_ms, 'del', 'sadd' member ttl_ms
// (the set then lives at least ttl_ms: PTTL is -1 on a set just made), or
// 'srem' member (Redis drops a set left empty).
constexpr const char* lua_commit = R"lua(
local guards = tonumber(ARGV[1])
for i = 1, guards do
  local current = redis.call('GET', KEYS[i])
  if (current or '') ~= ARGV[i + 1] then return {0, i, current} end
end
local k, a = guards + 1, guards + 2
while a <= #ARGV do
  local op = ARGV[a]
  if op == 'set' then
    redis.call('SET', KEYS[k], ARGV[a + 1], 'PX', ARGV[a + 2])
    a = a + 3
  elseif op == 'del' then
    redis.call('DEL', KEYS[k])
    a = a + 1
  elseif op == 'sadd' then
    redis.call('SADD', KEYS[k], ARGV[a + 1])
    local ttl = tonumber(ARGV[a + 2])
    if redis.call('PTTL', KEYS[k]) < ttl then redis.call('PEXPIRE', KEYS[k], ttl) end
    a = a + 3
  elseif op == 'srem' then
    redis.call('SREM', KEYS[k], ARGV[a + 1])
    a = a + 2
  else
    return redis.error_reply('sessiongate commit: unknown op ' .. tostring(op))
  end
  k = k + 1
end
return {1}
)lua";

}  // namespace

const Script& commit_script() {
    static const Script script(lua_commit);
    return script;
}

CommitPlan::CommitPlan() : args_{"0"} {}

void CommitPlan::expect(const std::string& key, const std::string& value) {
    // The script reads guards first: one after a change would be taken for it.
    if (changes_ > 0) throw std::logic_error("CommitPlan: a guard after a change");
    keys_.push_back(key);
    args_.push_back(value);
    args_[0] = std::to_string(++guards_);
}

void CommitPlan::expect_absent(const std::string& key) {
    expect(key, {});
}

void CommitPlan::set(const std::string& key, const std::string& value, std::int64_t ttl_ms) {
    keys_.push_back(key);
    args_.insert(args_.end(), {"set", value, std::to_string(ttl_ms)});
    ++changes_;
}

void CommitPlan::del(const std::string& key) {
    keys_.push_back(key);
    args_.push_back("del");
    ++changes_;
}

void CommitPlan::add_member(const std::string& key, const std::string& member, std::int64_t ttl_ms) {
    keys_.push_back(key);
    args_.insert(args_.end(), {"sadd", member, std::to_string(ttl_ms)});
    ++changes_;
}

void CommitPlan::remove_member(const std::string& key, const std::string& member) {
    keys_.push_back(key);
    args_.insert(args_.end(), {"srem", member});
    ++changes_;
}

std::optional<CommitReply> read_commit_reply(const Reply& reply, std::string& problem) {
    if (reply.is_error()) {
        problem = "commit refused by redis: " + reply.text;
        return std::nullopt;
    }
    const auto& e = reply.elements;
    if (reply.type != Reply::Type::Array || e.empty() || e[0].type != Reply::Type::Integer) {
        problem = "unexpected commit answer: " + describe(reply);
        return std::nullopt;
    }
    CommitReply out;
    if (e[0].integer == 1) {
        out.committed = true;
        return out;
    }
    if (e.size() < 2 || e[1].type != Reply::Type::Integer || e[1].integer < 1) {
        problem = "unexpected commit answer: " + describe(reply);
        return std::nullopt;
    }
    out.failed_guard = static_cast<std::size_t>(e[1].integer - 1);
    if (e.size() > 2 && e[2].type == Reply::Type::String) out.current = e[2].text;
    return out;
}

}  // namespace sessiongate::session::redis
