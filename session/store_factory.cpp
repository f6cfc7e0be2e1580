#include "session/store_factory.hpp"

#include "session/cookie/store.hpp"
#include "session/lmdb/store.hpp"
#include "session/redis/store.hpp"

#include <stdexcept>

namespace sessiongate::session {

std::unique_ptr<Store> open_store(const config::Config& config, const SecretKeys* keys) {
    switch (config.store.type) {
    case config::StoreType::Lmdb:
        if (!keys)
            throw std::runtime_error("the store's records are sealed with its secret key, and there is none (" +
                                     SecretKeys::generated_key_path(config) +
                                     ", secret_key_file or SESSIONGATE_SECRET_KEYS)");
        return std::make_unique<LmdbStore>(config.store, keys->ring(), config.index);
    case config::StoreType::Redis:
        // Records are sealed at rest: without the keys there is nothing to read.
        if (!keys) throw std::runtime_error("the redis store requires secret_key_file or SESSIONGATE_SECRET_KEYS");
        return std::make_unique<RedisStore>(config, keys->ring());
    case config::StoreType::Cookie:
        if (!keys) throw std::runtime_error("the cookie store seals sessions with the secret keys, and there are none");
        return std::make_unique<CookieStore>(keys->ring(), config.cookie.name);
    }
    throw std::runtime_error("unknown store type");
}

}  // namespace sessiongate::session
