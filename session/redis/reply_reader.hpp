// Parses the bytes a Redis server sends into Replies: hiredis' redisReader
// (the protocol parser alone; hiredis does no I/O here) behind a move-only
// RAII wrapper.
#pragma once

#include "session/redis/reply.hpp"

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

struct redisReader;

namespace sessiongate::session::redis {

class ReplyReader {
public:
    /// Throws std::bad_alloc when hiredis cannot allocate its reader.
    ReplyReader();
    ~ReplyReader();
    ReplyReader(ReplyReader&&) noexcept;
    ReplyReader& operator=(ReplyReader&&) noexcept;

    /// Appends received bytes. False (and failed()) once the reader failed.
    bool feed(std::string_view bytes);

    /// The next complete reply, or nullopt when more bytes are needed or the
    /// stream is malformed (then failed() is true and error() says why; the
    /// reader stays failed: the connection must be dropped).
    std::optional<Reply> next();

    bool failed() const { return !error_.empty(); }
    const std::string& error() const { return error_; }

    /// Bytes received but not yet returned as replies (a reply still
    /// arriving): the caller bounds it.
    std::size_t buffered() const;

private:
    struct Free {
        void operator()(redisReader* reader) const;
    };
    std::unique_ptr<redisReader, Free> reader_;
    std::string error_;
};

}  // namespace sessiongate::session::redis
