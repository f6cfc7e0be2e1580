// A Lua script run by its SHA-1 (EVALSHA), sent in full (EVAL) only when
// the server does not know it yet: after a restart, or on a new server.
#pragma once

#include "session/redis/client.hpp"

#include <string>
#include <vector>

namespace sessiongate::session::redis {

class Script {
public:
    explicit Script(std::string source);

    const std::string& source() const { return source_; }
    const std::string& sha1() const { return sha1_; }  // lower-case hex, as Redis names scripts

    /// Runs the script with `keys` and `args`; `done` gets its one reply
    /// (or the client's error), on a client thread.
    void run(Client& client, const std::vector<std::string>& keys, const std::vector<std::string>& args,
             Client::Clock::time_point deadline, Client::Callback done) const;

    /// EVALSHA (or EVAL when `full`) with `keys` and `args`, as wire bytes.
    std::string command(bool full, const std::vector<std::string>& keys, const std::vector<std::string>& args) const;

private:
    std::string source_;
    std::string sha1_;
};

}  // namespace sessiongate::session::redis
