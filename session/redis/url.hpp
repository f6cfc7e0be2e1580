// The Redis server a `store.url` names: redis://host[:port][/db] or
// rediss://... for TLS. The URL never holds a password (that comes from
// store.password_file or SESSIONGATE_REDIS_PASSWORD).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sessiongate::session::redis {

struct Endpoint {
    bool tls = false;  // rediss://
    std::string host = "127.0.0.1";  // IPv6 without brackets
    std::uint16_t port = 6379;
    int database = 0;  // SELECT number, from the path

    /// "redis://host:port/db" again (for logs).
    std::string url() const;
};

/// Parses a redis:// or rediss:// URL; nullopt with `error` set (a sentence
/// naming what is wrong) for anything else: another scheme, user info, a
/// missing host, port 0, a path that is not a database number, a query.
std::optional<Endpoint> parse_url(std::string_view url, std::string& error);

}  // namespace sessiongate::session::redis
