#include "session/redis/log.hpp"

#include "session/store_log.hpp"

namespace sessiongate::session::redis {

void log_event(config::LogLevel level, std::string_view event, std::string_view server, std::string_view detail) {
    log_store_event(level, event, {{"store", "redis"}, {"server", server}, {"detail", detail}});
}

}  // namespace sessiongate::session::redis
