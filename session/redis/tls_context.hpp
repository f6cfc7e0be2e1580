// The TLS client context of rediss:// connections: peer verification on,
// TLS 1.2 at least, the CA bundle and optional client certificate of the
// settings.
#pragma once

#include "session/redis/client_settings.hpp"

#include <boost/asio/ssl/context.hpp>

namespace sessiongate::session::redis {

/// Throws std::runtime_error naming the file when a CA, certificate or key
/// file cannot be loaded (a start-up error).
boost::asio::ssl::context make_tls_context(const ClientSettings& settings);

}  // namespace sessiongate::session::redis
