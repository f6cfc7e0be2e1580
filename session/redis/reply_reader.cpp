#include "session/redis/reply_reader.hpp"

#include <hiredis/hiredis.h>

#include <new>

namespace sessiongate::session::redis {
namespace {

Reply convert(const redisReply& raw) {
    Reply reply;
    switch (raw.type) {
    case REDIS_REPLY_STRING:
        reply.type = Reply::Type::String;
        reply.text.assign(raw.str, raw.len);
        break;
    case REDIS_REPLY_STATUS:
        reply.type = Reply::Type::Status;
        reply.text.assign(raw.str, raw.len);
        break;
    case REDIS_REPLY_ERROR:
        reply.type = Reply::Type::Error;
        reply.text.assign(raw.str, raw.len);
        break;
    case REDIS_REPLY_INTEGER:
        reply.type = Reply::Type::Integer;
        reply.integer = raw.integer;
        break;
    case REDIS_REPLY_ARRAY:
        reply.type = Reply::Type::Array;
        reply.elements.reserve(raw.elements);
        for (std::size_t i = 0; i < raw.elements; ++i) reply.elements.push_back(convert(*raw.element[i]));
        break;
    default:  // REDIS_REPLY_NIL
        reply.type = Reply::Type::Nil;
        break;
    }
    return reply;
}

struct FreeReply {
    void operator()(void* reply) const { freeReplyObject(reply); }
};

}  // namespace

void ReplyReader::Free::operator()(redisReader* reader) const {
    redisReaderFree(reader);
}

ReplyReader::ReplyReader() : reader_(redisReaderCreate()) {
    if (!reader_) throw std::bad_alloc();
}

ReplyReader::~ReplyReader() = default;
ReplyReader::ReplyReader(ReplyReader&&) noexcept = default;
ReplyReader& ReplyReader::operator=(ReplyReader&&) noexcept = default;

bool ReplyReader::feed(std::string_view bytes) {
    if (failed()) return false;
    if (redisReaderFeed(reader_.get(), bytes.data(), bytes.size()) != REDIS_OK) {
        error_ = reader_->errstr[0] ? reader_->errstr : "cannot buffer the reply";
        return false;
    }
    return true;
}

std::optional<Reply> ReplyReader::next() {
    if (failed()) return std::nullopt;
    void* raw = nullptr;
    if (redisReaderGetReply(reader_.get(), &raw) != REDIS_OK) {
        error_ = reader_->errstr[0] ? reader_->errstr : "malformed reply";
        return std::nullopt;
    }
    if (!raw) return std::nullopt;
    std::unique_ptr<void, FreeReply> owned(raw);
    return convert(*static_cast<const redisReply*>(raw));
}

std::size_t ReplyReader::buffered() const {
    return reader_->len - reader_->pos;
}

}  // namespace sessiongate::session::redis
