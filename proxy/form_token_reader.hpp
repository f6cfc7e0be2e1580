// Token mode's form check, between the request head and the upstream: the
// start of an application/x-www-form-urlencoded body is read into the
// connection's read buffer (the bytes that then go upstream unchanged, so
// nothing is copied) until its csrfmiddlewaretoken field is whole, the body
// ends, or csrf.max_form_bytes are in: the buffer never grows past that
// bound. The step then decides; on a pass the request relay forwards the
// body from the first byte on, the rest streaming as usual.
//
// A chunked form body is not searched (browsers send forms with a
// Content-Length): it needs the token in X-CSRFToken.
#pragma once

#include "session/csrf_form.hpp"

#include <boost/beast/core/error.hpp>

#include <cstddef>
#include <optional>

namespace sessiongate::proxy {

class ClientConnection;

class FormTokenReader {
public:
    explicit FormTokenReader(ClientConnection& connection) : c_(connection) {}

    /// Looks at the body bytes buffered already, reads more as needed, then
    /// hands the token (or its absence) to the session step and, when it
    /// passes, the request on to the relay.
    void start();

private:
    void scan();
    void do_read();
    void on_read(boost::beast::error_code ec, std::size_t bytes);
    void done(std::optional<std::string_view> token);

    ClientConnection& c_;
    std::optional<session::FormFieldScan> field_;
    std::size_t scanned_ = 0;  // body bytes of the read buffer fed to field_
    std::size_t bound_ = 0;    // body bytes to look at: the body, at most csrf.max_form_bytes
};

}  // namespace sessiongate::proxy
