#include "session/redis/database.hpp"

#include "session/sealed_record.hpp"

#include <future>
#include <stdexcept>

namespace sessiongate::session::redis {
namespace {

std::vector<Reply> replies_of(Response response) {
    if (!response.ok()) throw std::runtime_error(response.error->message);
    for (const Reply& reply : response.replies)
        if (reply.is_error()) throw std::runtime_error("redis answered: " + reply.text);
    return std::move(response.replies);
}

}  // namespace

Database::Database(ClientSettings settings, std::string key_prefix, crypto::KeyRing ring,
                   std::vector<std::string> index_keys)
    : keyspace_(std::move(key_prefix)),
      index_keys_(std::move(index_keys)),
      ring_(std::move(ring)),
      client_(std::make_unique<Client>(std::move(settings))) {}

std::optional<std::string> Database::encode(const SessionRecord& record, std::string_view storage_key) const {
    return seal_record(record, storage_key, ring_);
}

std::optional<SessionRecord> Database::decode(std::string_view bytes, std::string_view storage_key) const {
    return open_record(bytes, storage_key, ring_).record;
}

std::vector<Reply> Database::run_sync(std::vector<std::string> commands, Client::Clock::time_point deadline) {
    return replies_of(client_->execute_sync(std::move(commands), deadline));
}

Reply Database::run_sync(const Script& script, const std::vector<std::string>& keys,
                         const std::vector<std::string>& args, Client::Clock::time_point deadline) {
    std::promise<Response> answer;
    script.run(*client_, keys, args, deadline, [&answer](Response response) { answer.set_value(std::move(response)); });
    return std::move(replies_of(answer.get_future().get()).at(0));
}

}  // namespace sessiongate::session::redis
