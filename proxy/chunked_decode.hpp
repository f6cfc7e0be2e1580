// Decoding a chunked body with Beast's parser into a buffer of ours, for
// both legs of an exchange.
#pragma once

#include "proxy/buffer_pool.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>

namespace sessiongate::proxy {

/// Feeds `in` to `parser` (its head already parsed) until `out` (of
/// `capacity` bytes) is full, the input is used up or the body ends; returns
/// the decoded bytes written to `out`. Consumes what the parser used.
template <class Parser>
std::size_t decode_chunks(Parser& parser, Buffer& in, char* out, std::size_t capacity,
                          boost::beast::error_code& ec) {
    namespace http = boost::beast::http;
    auto& body = parser.get().body();
    body.data = out;
    body.size = capacity;
    while (!in.empty() && !parser.is_done() && body.size > 0) {
        auto used = parser.put(boost::asio::buffer(in.data().data(), in.size()), ec);
        in.consume(used);
        // need_more and need_buffer only say the input or our buffer ran out.
        if (ec == http::error::need_more || ec == http::error::need_buffer) {
            ec = {};
            break;
        }
        if (ec || used == 0) break;
    }
    auto produced = capacity - body.size;
    body.data = nullptr;
    body.size = 0;
    return produced;
}

}  // namespace sessiongate::proxy
