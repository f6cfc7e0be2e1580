// The socket type of both legs of a connection, with the concrete executor
// of the worker's io_context: no any_io_executor type erasure on the path of
// every read and write.
//
// TLS (listener and https upstreams) plugs in here, not in the relay: the
// relay only calls async_read_some, async_write (asio's free function),
// async_wait, cancel and close on a `Socket&`. A TLS leg becomes a small
// `Stream` type with those members, holding either a plain socket or an
// asio::ssl::stream over one, and the connection's two members change type;
// no relay step is rewritten. (A template parameter would do the same at the
// price of putting the whole relay in headers.)
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace sessiongate::proxy {

using Executor = boost::asio::io_context::executor_type;
using Socket = boost::asio::basic_stream_socket<boost::asio::ip::tcp, Executor>;

}  // namespace sessiongate::proxy
