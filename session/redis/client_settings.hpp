// Everything a Redis client needs to reach its server, independent of the
// YAML schema (the store builds it from config::StoreSettings).
#pragma once

#include "session/redis/url.hpp"

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>

namespace sessiongate::session::redis {

struct ClientSettings {
    Endpoint endpoint;
    std::string password;  // empty: no AUTH

    // rediss:// only. The server certificate is always verified and must
    // name endpoint.host.
    std::optional<std::string> ca_file;    // PEM bundle; nullopt = the system store
    std::optional<std::string> cert_file;  // client certificate (PEM chain), for servers
    std::optional<std::string> key_file;   // that require one (tls-auth-clients yes)

    /// Pipelined connections, each on an I/O thread of its own.
    std::size_t connections = 1;
    /// TCP connect + TLS handshake + AUTH/SELECT/PING answered.
    std::chrono::milliseconds connect_timeout{2000};
    /// Reconnection delays grow from min to max.
    std::chrono::milliseconds backoff_min{100};
    std::chrono::milliseconds backoff_max{2000};
    /// Commands waiting or unanswered per connection before new ones are
    /// refused at once (a bound on memory when Redis falls behind).
    std::size_t max_pending = 65536;
    /// A reply still arriving may buffer at most this much.
    std::size_t max_reply_bytes = 64u << 20;
    /// CLIENT SETNAME, so operators see who is connected.
    std::string client_name = "sessiongate";
};

/// The password: SESSIONGATE_REDIS_PASSWORD when set, else the first line
/// of `password_file` (a trailing CR/LF removed), else empty. Throws
/// std::runtime_error naming the file when it cannot be read.
std::string read_password(const std::optional<std::string>& password_file);

}  // namespace sessiongate::session::redis
