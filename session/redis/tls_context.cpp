#include "session/redis/tls_context.hpp"

#include <stdexcept>

namespace sessiongate::session::redis {
namespace ssl = boost::asio::ssl;

namespace {

void load(const char* what, const std::string& file, const auto& step) {
    boost::system::error_code ec;
    step(ec);
    if (ec) throw std::runtime_error(std::string("cannot load the Redis TLS ") + what + " " + file + ": " + ec.message());
}

}  // namespace

ssl::context make_tls_context(const ClientSettings& settings) {
    ssl::context context(ssl::context::tls_client);
    context.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                        ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    context.set_verify_mode(ssl::verify_peer);
    if (settings.ca_file) {
        load("CA file", *settings.ca_file, [&](auto& ec) { context.load_verify_file(*settings.ca_file, ec); });
    } else {
        load("system CA store", "", [&](auto& ec) { context.set_default_verify_paths(ec); });
    }
    if (settings.cert_file || settings.key_file) {
        if (!settings.cert_file || !settings.key_file)
            throw std::runtime_error("a Redis TLS client certificate needs both store.tls_cert_file and store.tls_key_file");
        load("certificate", *settings.cert_file,
             [&](auto& ec) { context.use_certificate_chain_file(*settings.cert_file, ec); });
        load("key", *settings.key_file,
             [&](auto& ec) { context.use_private_key_file(*settings.key_file, ssl::context::pem, ec); });
    }
    return context;
}

}  // namespace sessiongate::session::redis
