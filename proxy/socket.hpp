// The socket type of both legs of a connection, with the concrete executor
// of the worker's io_context: no any_io_executor type erasure on the path of
// every read and write.
//
// Both legs are a `Stream` (tls_stream.hpp) over such a socket: plain, or
// asio::ssl::stream over one; the relay calls the same few members on both.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace sessiongate::proxy {

using Executor = boost::asio::io_context::executor_type;
using Socket = boost::asio::basic_stream_socket<boost::asio::ip::tcp, Executor>;

}  // namespace sessiongate::proxy
