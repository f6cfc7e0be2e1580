#include "session/redis/transport.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/write.hpp>

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

namespace sessiongate::session::redis {
namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

std::variant<tcp::socket, asio::ssl::stream<tcp::socket>> make_stream(const asio::any_io_executor& executor,
                                                                     asio::ssl::context* tls,
                                                                     const std::string& host) {
    if (!tls) return tcp::socket(executor);
    asio::ssl::stream<tcp::socket> stream(executor, *tls);
    // OpenSSL's own name check (RFC 6125), so a mismatch is reported as
    // X509_V_ERR_HOSTNAME_MISMATCH / IP_ADDRESS_MISMATCH by name.
    SSL* ssl = stream.native_handle();
    boost::system::error_code ec;
    asio::ip::make_address(host, ec);
    if (ec) {
        SSL_set1_host(ssl, host.c_str());
        SSL_set_tlsext_host_name(ssl, host.c_str());  // SNI takes names, not addresses
    } else {
        X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host.c_str());
    }
    return stream;
}

}  // namespace

Transport::Transport(const asio::any_io_executor& executor, asio::ssl::context* tls, const std::string& host)
    : stream_(make_stream(executor, tls, host)) {}

tcp::socket& Transport::socket() {
    if (auto* tls = std::get_if<Tls>(&stream_)) return tls->next_layer();
    return std::get<tcp::socket>(stream_);
}

void Transport::async_connect(const tcp::resolver::results_type& endpoints, StepHandler done) {
    asio::async_connect(socket(), endpoints, [this, done = std::move(done)](boost::system::error_code ec, const tcp::endpoint&) {
        if (ec) return done(ec, "connect: " + ec.message());
        socket().set_option(tcp::no_delay(true), ec);  // pipelined commands go out at once
        auto* tls = std::get_if<Tls>(&stream_);
        if (!tls) return done({}, {});
        tls->async_handshake(asio::ssl::stream_base::client, [tls, done](boost::system::error_code ec) {
            if (!ec) return done(ec, {});
            std::string message = "TLS handshake: " + ec.message();
            const long verify = SSL_get_verify_result(tls->native_handle());
            if (verify != X509_V_OK) message += ": " + std::string(X509_verify_cert_error_string(verify));
            done(ec, message);
        });
    });
}

void Transport::async_read_some(Handler done) {
    std::visit([&](auto& stream) { stream.async_read_some(asio::buffer(buffer_), std::move(done)); }, stream_);
}

void Transport::async_write(const std::string& bytes, Handler done) {
    std::visit([&](auto& stream) { asio::async_write(stream, asio::buffer(bytes), std::move(done)); }, stream_);
}

void Transport::close() {
    boost::system::error_code ignored;
    socket().close(ignored);
}

}  // namespace sessiongate::session::redis
