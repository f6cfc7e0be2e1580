#include "session/redis/store.hpp"

#include "session/redis/command.hpp"
#include "session/redis/session_write.hpp"
#include "session/redis/url.hpp"
#include "session/session_id.hpp"

#include <stdexcept>

namespace sessiongate::session {
namespace {

redis::ClientSettings client_settings(const config::Config& config) {
    const config::StoreSettings& store = config.store;
    redis::ClientSettings settings;
    std::string problem;
    auto endpoint = redis::parse_url(store.url, problem);
    if (!endpoint) throw std::runtime_error("store.url: " + problem);
    settings.endpoint = *endpoint;
    settings.password = redis::read_password(store.password_file);
    settings.ca_file = store.tls_ca_file;
    settings.cert_file = store.tls_cert_file;
    settings.key_file = store.tls_key_file;
    settings.connections = store.connections > 0 ? store.connections : config.threads;
    settings.connect_timeout = store.connect_timeout;
    return settings;
}

}  // namespace

RedisStore::RedisStore(const config::Config& config, const crypto::KeyRing& ring)
    : db_(std::make_unique<redis::Database>(client_settings(config), config.store.key_prefix, ring, config.index)),
      // An administrator's call may come first, while the connection is made.
      admin_(std::make_unique<redis::Admin>(*db_, config.store.connect_timeout + config.timeouts.store)) {}

RedisStore::~RedisStore() {
    closing_ = true;
    admin_.reset();
    db_.reset();
}

void RedisStore::load(std::string cookie_value, std::int64_t now, Deadline deadline, LoadCallback done) {
    if (deadline < Deadline::clock::now())
        return done(LoadResult{LoadStatus::Error, {}, "deadline passed before the load"});
    if (!is_well_formed_session_id(cookie_value)) return done(LoadResult{});  // NotFound without a lookup
    std::string storage = storage_key(cookie_value);
    const std::string key = db_->keyspace().record(storage);
    db_->client().execute(
        {redis::format_command({"GET", key})}, deadline,
        [db = db_.get(), storage = std::move(storage), now, done = std::move(done)](redis::Response response) {
            if (!response.ok()) return done(LoadResult{LoadStatus::Error, {}, response.error->message});
            const redis::Reply& reply = response.replies[0];
            if (reply.is_error()) return done(LoadResult{LoadStatus::Error, {}, "redis answered: " + reply.text});
            if (reply.is_nil()) return done(LoadResult{});
            auto record = db->decode(reply.text, storage);
            if (!record) return done(LoadResult{LoadStatus::Error, {}, "stored record is damaged"});
            if (record->expires <= now) return done(LoadResult{LoadStatus::Expired, {}, {}});
            done(LoadResult{LoadStatus::Found, std::move(*record), {}});
        });
}

void RedisStore::write(SessionWrite change, Deadline deadline, WriteCallback done) {
    if (!is_well_formed_session_id(change.current))
        return redis::write_session(*db_, std::move(change), deadline, std::move(done));
    // Writes to one session from this process take turns (write_queue.hpp).
    std::string key = change.current;
    queue_.run(key, [this, key, change = std::move(change), deadline, done = std::move(done)]() mutable {
        if (closing_) {
            queue_.finished(key);
            return done(WriteResult{WriteOutcome::Error, {}, {}, "the store is closing"});
        }
        redis::write_session(*db_, std::move(change), deadline,
                             [this, key, done = std::move(done)](WriteResult result) {
                                 queue_.finished(key);
                                 done(std::move(result));
                             });
    });
}

}  // namespace sessiongate::session
