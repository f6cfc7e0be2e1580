// The session moments of a client connection, in one place: the request head
// in (route policy, reserved headers stripped, the cookie), the store load,
// the headers the upstream gets; the response head in (control headers), the
// store write, the headers the client gets.
#pragma once

#include "session/store.hpp"

#include <boost/beast/http/fields.hpp>

#include <string_view>

namespace sessiongate::proxy {

namespace http = boost::beast::http;
class ClientConnection;

class ConnectionSession {
public:
    explicit ConnectionSession(ClientConnection& connection) : c_(connection) {}

    /// Request head in: policy for the path, forged headers out, cookie found.
    void on_request_head(boost::beast::http::fields& request, std::string_view path);
    /// Loads the session, then RequestRelay::start (inline when the store
    /// answers inline, else back on this connection's thread).
    void load();
    void add_request_headers(boost::beast::http::fields& request);
    /// Response head in: control headers taken and applied, then
    /// ResponseRelay::send_head, or a local answer (502 strict, 503 store).
    void save();
    void add_response_headers(boost::beast::http::fields& response);

private:
    void on_saved(session::WriteResult result);
    template <class Result, class Then>
    auto on_own_thread(Then then);

    ClientConnection& c_;
};

}  // namespace sessiongate::proxy
