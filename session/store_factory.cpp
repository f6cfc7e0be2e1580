#include "session/store_factory.hpp"

#include "session/lmdb/store.hpp"

#include <stdexcept>

namespace sessiongate::session {

std::unique_ptr<Store> open_store(const config::Config& config, const SecretKeys*) {
    switch (config.store.type) {
    case config::StoreType::Lmdb:
        return std::make_unique<LmdbStore>(config.store);
    case config::StoreType::Redis:
        throw std::runtime_error("store type redis is not available yet");
    case config::StoreType::Cookie:
        throw std::runtime_error("store type cookie is not available yet");
    }
    throw std::runtime_error("unknown store type");
}

}  // namespace sessiongate::session
