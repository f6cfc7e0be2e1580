// What a command batch gives back: the replies, or why there are none.
#pragma once

#include "session/redis/reply.hpp"

#include <optional>
#include <string>
#include <vector>

namespace sessiongate::session::redis {

enum class ErrorKind {
    Timeout,         // no complete answer before the deadline
    Unavailable,     // not connected (refused, backing off, queue full): nothing was sent
    ConnectionLost,  // the connection broke after sending: the commands may have run
    Closed,          // the client is shutting down
};

struct Error {
    ErrorKind kind = ErrorKind::Unavailable;
    std::string message;  // for logs: names the server and the cause
};

/// One reply per command of the batch, in order; a Redis error reply
/// (`-ERR ...`) is a Reply, not an Error. Empty when `error` is set.
struct Response {
    std::optional<Error> error;
    std::vector<Reply> replies;

    bool ok() const { return !error; }
};

}  // namespace sessiongate::session::redis
