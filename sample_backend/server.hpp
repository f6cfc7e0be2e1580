// The HTTP/1.1 server loop: accepts connections, reads requests (keep-alive),
// answers each with the app. One thread, C++20 coroutines.
#pragma once

#include "sample_backend/exchange.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace sample_backend {

struct ServerOptions {
    AppOptions app;
    bool access_log = false;  ///< one line per request on stderr
};

/// Accepts until the acceptor is closed; each connection runs on its own.
boost::asio::awaitable<void> accept_loop(boost::asio::ip::tcp::acceptor& acceptor,
                                         ServerOptions options);

}  // namespace sample_backend
