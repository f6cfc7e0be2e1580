#include "proxy/tls_context.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/error.hpp>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <memory>
#include <stdexcept>

namespace sessiongate::proxy {
namespace {

// Why OpenSSL refused, from its error queue (the last reason is the most
// specific one), e.g. "key values mismatch".
std::string openssl_reason() {
    std::string reason = "unknown OpenSSL error";
    while (unsigned long code = ERR_get_error()) {
        if (const char* text = ERR_reason_error_string(code)) reason = text;
    }
    return reason;
}

[[noreturn]] void fail(const char* key, const std::string& path, const std::string& why) {
    throw std::runtime_error(std::string(key) + " " + path + ": " + why);
}

// OpenSSL's own message for a missing file is "system lib": check first so
// the operator reads "No such file or directory" or "Permission denied".
void check_readable(const char* key, const std::string& path) {
    std::FILE* file = std::fopen(path.c_str(), "rb");
    if (!file) fail(key, path, std::strerror(errno));
    std::fclose(file);
}

void check(int ok, const char* what) {
    if (ok != 1) throw std::runtime_error(std::string("TLS setup: ") + what + ": " + openssl_reason());
}

// A key protected by a passphrase would make OpenSSL prompt on the terminal:
// refuse it instead (there is no one to type it in a container).
int no_passphrase(char*, int, int, void*) { return 0; }

void use_certificate_and_key(SSL_CTX* native, const char* cert_key, const std::string& cert_file,
                             const char* key_key, const std::string& key_file) {
    check_readable(cert_key, cert_file);
    check_readable(key_key, key_file);
    SSL_CTX_set_default_passwd_cb(native, no_passphrase);
    ERR_clear_error();
    if (SSL_CTX_use_certificate_chain_file(native, cert_file.c_str()) != 1)
        fail(cert_key, cert_file, "not a PEM certificate chain (" + openssl_reason() + ")");
    // Read apart from the context, so a key that is fine but belongs to
    // another certificate is told from one that cannot be read.
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_file(key_file.c_str(), "r"), BIO_free);
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
        bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr) : nullptr, EVP_PKEY_free);
    if (!key) fail(key_key, key_file, "not an unencrypted PEM private key (" + openssl_reason() + ")");
    if (SSL_CTX_use_PrivateKey(native, key.get()) != 1 || SSL_CTX_check_private_key(native) != 1)
        fail(key_key, key_file, std::string("does not match the certificate of ") + cert_key + " (" +
                                    openssl_reason() + ")");
}

// Both legs: TLS 1.2 and 1.3 only, no renegotiation, and the read and write
// buffers of an idle connection given back (10,000 idle clients stay small).
std::shared_ptr<TlsContext> new_context(TlsContext::method method) {
    auto context = std::make_shared<TlsContext>(method);
    SSL_CTX* native = context->native_handle();
    check(SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION), "minimum protocol version");
    SSL_CTX_set_options(native, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
    SSL_CTX_set_mode(native, SSL_MODE_RELEASE_BUFFERS);
    return context;
}

constexpr unsigned char http11_protocol[] = "\x08http/1.1";
constexpr unsigned http11_protocol_size = sizeof http11_protocol - 1;

// ALPN: we speak HTTP/1.1 only. A client that offers ALPN without it (h2
// only) is refused with an alert, as nginx does, rather than confused later.
int select_http11(SSL*, const unsigned char** out, unsigned char* out_size, const unsigned char* offered,
                  unsigned offered_size, void*) {
    unsigned char* chosen = nullptr;
    if (SSL_select_next_proto(&chosen, out_size, http11_protocol, http11_protocol_size, offered,
                              offered_size) != OPENSSL_NPN_NEGOTIATED)
        return SSL_TLSEXT_ERR_ALERT_FATAL;
    *out = chosen;
    return SSL_TLSEXT_ERR_OK;
}

std::string rfc3339(const ASN1_TIME* time) {
    std::tm parts{};
    if (!time || ASN1_TIME_to_tm(time, &parts) != 1) return {};
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
    return text;
}

std::string subject_text(X509* certificate) {
    BIO* out = BIO_new(BIO_s_mem());
    if (!out) return {};
    X509_NAME_print_ex(out, X509_get_subject_name(certificate), 0, XN_FLAG_RFC2253);
    char* data = nullptr;
    long size = BIO_get_mem_data(out, &data);
    std::string text(data, static_cast<std::size_t>(size > 0 ? size : 0));
    BIO_free(out);
    return text;
}

std::vector<std::string> alt_names(X509* certificate) {
    std::vector<std::string> names;
    auto* general = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(certificate, NID_subject_alt_name, nullptr, nullptr));
    if (!general) return names;
    for (int i = 0; i < sk_GENERAL_NAME_num(general); ++i) {
        const GENERAL_NAME* name = sk_GENERAL_NAME_value(general, i);
        const auto* bytes = ASN1_STRING_get0_data(name->d.ia5);
        auto size = static_cast<std::size_t>(ASN1_STRING_length(name->d.ia5));
        if (name->type == GEN_DNS) {
            names.emplace_back(reinterpret_cast<const char*>(bytes), size);
        } else if (name->type == GEN_IPADD && (size == 4 || size == 16)) {
            if (size == 4) {
                std::array<unsigned char, 4> v4{};
                std::memcpy(v4.data(), bytes, 4);
                names.push_back(boost::asio::ip::address_v4(v4).to_string());
            } else {
                std::array<unsigned char, 16> v6{};
                std::memcpy(v6.data(), bytes, 16);
                names.push_back(boost::asio::ip::address_v6(v6).to_string());
            }
        }
    }
    GENERAL_NAMES_free(general);
    return names;
}

}  // namespace

TlsContextPtr make_listener_tls(const config::TlsSettings& settings) {
    if (!settings.cert_file) return nullptr;
    auto context = new_context(TlsContext::tls_server);
    SSL_CTX* native = context->native_handle();
    // Mozilla "intermediate": the client's preference among strong suites
    // (it knows whether it has AES hardware), X25519 first.
    check(SSL_CTX_set_cipher_list(native, intermediate_ciphers), "cipher list");
    check(SSL_CTX_set1_groups_list(native, "X25519:prime256v1:secp384r1"), "key exchange groups");
    check(static_cast<int>(SSL_CTX_set_dh_auto(native, 1)), "DHE parameters");
    use_certificate_and_key(native, "tls.cert_file", *settings.cert_file, "tls.key_file",
                            settings.key_file.value_or(*settings.cert_file));
    SSL_CTX_set_alpn_select_cb(native, select_http11, nullptr);
    return context;
}

TlsContextPtr make_upstream_tls(const config::Upstream& upstream, const config::UpstreamTlsSettings& settings) {
    if (upstream.scheme != "https") return nullptr;
    auto context = new_context(TlsContext::tls_client);
    SSL_CTX* native = context->native_handle();
    if (settings.verify) {
        SSL_CTX_set_verify(native, SSL_VERIFY_PEER, nullptr);
        ERR_clear_error();
        if (settings.ca_file) {
            check_readable("upstream_tls.ca_file", *settings.ca_file);
            if (SSL_CTX_load_verify_locations(native, settings.ca_file->c_str(), nullptr) != 1)
                fail("upstream_tls.ca_file", *settings.ca_file, "no PEM certificate in it (" + openssl_reason() + ")");
        } else {
            check(SSL_CTX_set_default_verify_paths(native), "the system's certificate store");
        }
    } else {
        SSL_CTX_set_verify(native, SSL_VERIFY_NONE, nullptr);
    }
    if (settings.cert_file)
        use_certificate_and_key(native, "upstream_tls.cert_file", *settings.cert_file, "upstream_tls.key_file",
                                settings.key_file.value_or(*settings.cert_file));
    // Offered so an upstream that requires ALPN (or defaults to h2) speaks
    // HTTP/1.1 to us. (0 means success here.)
    if (SSL_CTX_set_alpn_protos(native, http11_protocol, http11_protocol_size) != 0)
        throw std::runtime_error("TLS setup: ALPN protocols");
    return context;
}

boost::system::error_code prepare_upstream_connection(SSL* ssl, const std::string& host, bool verify) {
    auto failure = [] {
        return boost::system::error_code(static_cast<int>(ERR_get_error()), boost::asio::error::get_ssl_category());
    };
    boost::system::error_code not_address;
    boost::asio::ip::make_address(host, not_address);
    bool is_address = !not_address;
    // RFC 6066 3: SNI carries host names only, never a literal address.
    if (!is_address && SSL_set_tlsext_host_name(ssl, host.c_str()) != 1) return failure();
    if (!verify) return {};
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    int ok = is_address ? X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str())
                        : X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size());
    if (ok != 1) return failure();
    return {};
}

CertificateFacts describe_certificate(TlsContext& context) {
    CertificateFacts facts;
    X509* certificate = SSL_CTX_get0_certificate(context.native_handle());
    if (!certificate) return facts;
    facts.subject = subject_text(certificate);
    facts.names = alt_names(certificate);
    facts.not_after = rfc3339(X509_get0_notAfter(certificate));
    facts.expired = X509_cmp_current_time(X509_get0_notAfter(certificate)) < 0;
    return facts;
}

}  // namespace sessiongate::proxy
