// The TLS contexts of both legs, built from the configuration at start and
// again on every reload (SIGHUP), so a renewed certificate is picked up by
// new handshakes while open connections keep the context they started with.
//
// Listener: the certificate chain and key files, TLS 1.2 and 1.3 only,
// Mozilla's "intermediate" ciphers, ALPN http/1.1.
// Upstream (https://): the peer verified against upstream_tls.ca_file or the
// system store, SNI and the host name checked per connection, an optional
// client certificate for meshes that require mTLS.
//
// Building a context reads files and may fail: it throws std::runtime_error
// naming the setting and the file (start-up and reload only, never on the
// request path).
#pragma once

#include "config/config.hpp"

#include <boost/asio/ssl/context.hpp>
#include <boost/system/error_code.hpp>

#include <memory>
#include <string>
#include <vector>

namespace sessiongate::proxy {

using TlsContext = boost::asio::ssl::context;
using TlsContextPtr = std::shared_ptr<TlsContext>;

/// Mozilla's "intermediate" TLS 1.2 cipher list (TLS 1.3 suites are
/// OpenSSL's defaults, which are the same three).
inline constexpr const char* intermediate_ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305";

/// The listener's context, or null when tls.cert_file is not set.
TlsContextPtr make_listener_tls(const config::TlsSettings& settings);

/// The context of https:// upstream connections, or null for http://.
TlsContextPtr make_upstream_tls(const config::Upstream& upstream, const config::UpstreamTlsSettings& settings);

/// Sets SNI (for a name, not an address) and, when verifying, the name or
/// address the upstream's certificate must carry, on one connection's SSL.
boost::system::error_code prepare_upstream_connection(SSL* ssl, const std::string& host, bool verify);

/// What a certificate says, for the log line written when one is loaded.
struct CertificateFacts {
    std::string subject;
    std::vector<std::string> names;  // subjectAltName DNS names and IP addresses
    std::string not_after;           // RFC 3339, UTC
    bool expired = false;
};

/// The leaf certificate a context presents (the listener's, or the client
/// certificate of mTLS); empty facts when it presents none.
CertificateFacts describe_certificate(TlsContext& context);

}  // namespace sessiongate::proxy
