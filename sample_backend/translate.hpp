// Between Beast's HTTP messages and the app's own request/response values.
#pragma once

#include "sample_backend/exchange.hpp"

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

namespace sample_backend {

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;
using HttpResponse = boost::beast::http::response<boost::beast::http::string_body>;

/// Reads the session headers of the upstream contract off the request.
Request to_request(const HttpRequest& http, std::chrono::system_clock::time_point now);

/// Writes the response, its session controls as X-Session-* headers.
HttpResponse to_http(Response response, const HttpRequest& request);

}  // namespace sample_backend
