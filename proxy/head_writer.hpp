// Heads and chunk framing written as text into one contiguous string, so a
// head (and a small body with it) leaves in one send, not one iovec per
// header piece as Beast's serializer writes it. Pure functions.
#pragma once

#include <boost/beast/http/fields.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace sessiongate::proxy {

namespace http = boost::beast::http;

/// Appends "METHOD target HTTP/1.1\r\n", every field as "Name: value\r\n",
/// and the blank line.
void write_request_head(std::string& out, std::string_view method, std::string_view target,
                        const http::fields& fields);

/// Appends "HTTP/1.1 status reason\r\n", the fields and the blank line; an
/// empty reason becomes the standard one.
void write_response_head(std::string& out, unsigned status, std::string_view reason,
                         const http::fields& fields);

/// How one body piece goes out: what comes before it (appended to `prefix`)
/// and after it. Chunked: a size line and CRLF around a non-empty piece, the
/// last chunk after the final one. Otherwise the bytes go as they are.
std::string_view frame_body_piece(std::string& prefix, std::size_t size, bool chunked, bool last);

}  // namespace sessiongate::proxy
