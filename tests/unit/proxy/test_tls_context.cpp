#include "proxy/tls_context.hpp"

#include "tls_test_pki.hpp"

#include <catch2/catch.hpp>

using namespace sessiongate;
using proxy::make_listener_tls;
using proxy::make_upstream_tls;
using test::run_handshake;

namespace {

config::TlsSettings listener(const test::Issued& issued) { return {issued.cert_file, issued.key_file}; }

config::Upstream https(const std::string& host) { return {"https", host, 8443}; }

config::UpstreamTlsSettings trusting(const test::Issued& ca) {
    config::UpstreamTlsSettings settings;
    settings.ca_file = ca.cert_file;
    return settings;
}

// A client as a browser would be: trusts `ca`, checks the host name, offers
// h2 and http/1.1.
std::shared_ptr<proxy::TlsContext> browser(const test::Issued& ca) {
    auto context = std::make_shared<proxy::TlsContext>(proxy::TlsContext::tls_client);
    SSL_CTX_load_verify_locations(context->native_handle(), ca.cert_file.c_str(), nullptr);
    SSL_CTX_set_verify(context->native_handle(), SSL_VERIFY_PEER, nullptr);
    return context;
}

auto offering(std::string alpn, std::string host = "localhost") {
    return [alpn, host](SSL* ssl) {
        if (!alpn.empty())
            SSL_set_alpn_protos(ssl, reinterpret_cast<const unsigned char*>(alpn.data()),
                                static_cast<unsigned>(alpn.size()));
        SSL_set_tlsext_host_name(ssl, host.c_str());
        SSL_set1_host(ssl, host.c_str());
    };
}

// An upstream's server context, as the upstream would configure it.
std::shared_ptr<proxy::TlsContext> upstream_server(const test::Issued& issued, const test::Issued* client_ca = nullptr) {
    auto context = std::make_shared<proxy::TlsContext>(proxy::TlsContext::tls_server);
    SSL_CTX_use_certificate_chain_file(context->native_handle(), issued.cert_file.c_str());
    SSL_CTX_use_PrivateKey_file(context->native_handle(), issued.key_file.c_str(), SSL_FILETYPE_PEM);
    if (client_ca) {
        SSL_CTX_load_verify_locations(context->native_handle(), client_ca->cert_file.c_str(), nullptr);
        SSL_CTX_set_verify(context->native_handle(), SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
    }
    return context;
}

auto as_proxy(const std::string& host, bool verify = true) {
    return [host, verify](SSL* ssl) { REQUIRE(!proxy::prepare_upstream_connection(ssl, host, verify)); };
}

}  // namespace

TEST_CASE("listener TLS: off without a certificate") {
    CHECK(make_listener_tls({}) == nullptr);
}

TEST_CASE("listener TLS: TLS 1.3 by default, ALPN http/1.1 chosen among h2 and http/1.1") {
    test::TestPki pki;
    auto leaf = pki.issue("localhost", {"localhost", "IP:127.0.0.1"}, &pki.ca);
    auto server = make_listener_tls(listener(leaf));
    REQUIRE(server);
    auto result = run_handshake(browser(pki.ca)->native_handle(), server->native_handle(),
                                offering(std::string("\x02h2\x08http/1.1", 12)));
    REQUIRE(result.ok);
    CHECK(result.verify_result == X509_V_OK);
    CHECK(result.version == "TLSv1.3");
    CHECK(result.alpn == "http/1.1");
}

TEST_CASE("listener TLS: a client without ALPN is served; one offering only h2 is refused") {
    test::TestPki pki;
    auto leaf = pki.issue("localhost", {"localhost"}, &pki.ca);
    auto server = make_listener_tls(listener(leaf));
    auto client = browser(pki.ca);
    auto plain = run_handshake(client->native_handle(), server->native_handle(), offering(""));
    CHECK(plain.ok);
    CHECK(plain.alpn.empty());
    auto h2_only = run_handshake(client->native_handle(), server->native_handle(), offering(std::string("\x02h2", 3)));
    CHECK_FALSE(h2_only.ok);
}

TEST_CASE("listener TLS: TLS 1.2 with an intermediate cipher; TLS 1.1 and CBC ciphers refused") {
    test::TestPki pki;
    auto leaf = pki.issue("localhost", {"localhost"}, &pki.ca);
    auto server = make_listener_tls(listener(leaf));
    auto client = browser(pki.ca);

    auto tls12 = run_handshake(client->native_handle(), server->native_handle(), [](SSL* ssl) {
        SSL_set_max_proto_version(ssl, TLS1_2_VERSION);
    });
    REQUIRE(tls12.ok);
    CHECK(tls12.version == "TLSv1.2");
    CHECK(std::string(proxy::intermediate_ciphers).find(tls12.cipher) != std::string::npos);

    auto tls11 = run_handshake(client->native_handle(), server->native_handle(), [](SSL* ssl) {
        SSL_set_security_level(ssl, 0);  // so the client itself may offer TLS 1.1
        SSL_set_min_proto_version(ssl, TLS1_VERSION);
        SSL_set_max_proto_version(ssl, TLS1_1_VERSION);
    });
    CHECK_FALSE(tls11.ok);

    auto cbc = run_handshake(client->native_handle(), server->native_handle(), [](SSL* ssl) {
        SSL_set_max_proto_version(ssl, TLS1_2_VERSION);
        SSL_set_cipher_list(ssl, "ECDHE-ECDSA-AES128-SHA");
    });
    CHECK_FALSE(cbc.ok);
}

TEST_CASE("listener TLS: unreadable, malformed or mismatched files name the setting and the file") {
    test::TestPki pki;
    auto leaf = pki.issue("localhost", {"localhost"}, &pki.ca);
    auto other = pki.issue("other", {"other"}, &pki.ca);
    auto not_pem = pki.write("garbage.pem", "not a certificate\n");
    using Catch::Matchers::Contains;

    CHECK_THROWS_WITH(make_listener_tls({"/nonexistent/cert.pem", leaf.key_file}),
                      Contains("tls.cert_file /nonexistent/cert.pem: No such file or directory"));
    CHECK_THROWS_WITH(make_listener_tls({leaf.cert_file, "/nonexistent/key.pem"}),
                      Contains("tls.key_file /nonexistent/key.pem: No such file or directory"));
    CHECK_THROWS_WITH(make_listener_tls({not_pem, leaf.key_file}),
                      Contains("tls.cert_file " + not_pem + ": not a PEM certificate chain"));
    CHECK_THROWS_WITH(make_listener_tls({leaf.cert_file, not_pem}),
                      Contains("tls.key_file " + not_pem + ": not an unencrypted PEM private key"));
    CHECK_THROWS_WITH(make_listener_tls({leaf.cert_file, other.key_file}),
                      Contains("tls.key_file " + other.key_file + ": does not match the certificate of tls.cert_file"));
}

TEST_CASE("listener TLS: a passphrase-protected key is refused, never prompted for") {
    test::TestPki pki;
    auto leaf = pki.issue("localhost", {"localhost"}, &pki.ca);
    BIO* bio = BIO_new_file((leaf.key_file + ".enc").c_str(), "w");
    const char secret[] = "secret";
    PEM_write_bio_PKCS8PrivateKey(bio, leaf.key.get(), EVP_aes_256_cbc(), secret, 6, nullptr, nullptr);
    BIO_free(bio);
    CHECK_THROWS_WITH(make_listener_tls({leaf.cert_file, leaf.key_file + ".enc"}),
                      Catch::Matchers::Contains("not an unencrypted PEM private key"));
}

TEST_CASE("listener TLS: the certificate a context presents is described for the log") {
    test::TestPki pki;
    auto leaf = pki.issue("proxy.test", {"proxy.test", "IP:127.0.0.1", "IP:::1"}, &pki.ca);
    auto facts = proxy::describe_certificate(*make_listener_tls(listener(leaf)));
    CHECK(facts.subject == "CN=proxy.test");
    CHECK(facts.names == std::vector<std::string>{"proxy.test", "127.0.0.1", "::1"});
    CHECK(facts.not_after.size() == 20);
    CHECK_FALSE(facts.expired);

    auto old = pki.issue("old.test", {"old.test"}, &pki.ca, false, -1);
    CHECK(proxy::describe_certificate(*make_listener_tls(listener(old))).expired);
}

TEST_CASE("upstream TLS: off for http://, on for https://") {
    CHECK(make_upstream_tls({"http", "127.0.0.1", 80}, {}) == nullptr);
    CHECK(make_upstream_tls(https("example.com"), {}) != nullptr);  // the system's store
}

TEST_CASE("upstream TLS: the certificate is checked against the CA file and the host name") {
    test::TestPki pki;
    auto leaf = pki.issue("app.test", {"app.test", "IP:127.0.0.1"}, &pki.ca);
    auto server = upstream_server(leaf);
    auto client = make_upstream_tls(https("app.test"), trusting(pki.ca));

    SECTION("by name: SNI sent, name matched, http/1.1 offered") {
        std::string sni_seen;
        SSL_CTX_set_tlsext_servername_callback(server->native_handle(),
                                               +[](SSL* ssl, int*, void* seen) {
                                                   const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
                                                   *static_cast<std::string*>(seen) = name ? name : "";
                                                   return SSL_TLSEXT_ERR_OK;
                                               });
        SSL_CTX_set_tlsext_servername_arg(server->native_handle(), &sni_seen);
        SSL_CTX_set_alpn_select_cb(
            server->native_handle(),
            +[](SSL*, const unsigned char** out, unsigned char* size, const unsigned char* in, unsigned in_size, void*) {
                *out = in + 1;  // the first protocol offered
                *size = in[0];
                return in_size > 0 ? SSL_TLSEXT_ERR_OK : SSL_TLSEXT_ERR_NOACK;
            },
            nullptr);
        auto result = run_handshake(client->native_handle(), server->native_handle(), as_proxy("app.test"));
        CHECK(result.ok);
        CHECK(sni_seen == "app.test");
        CHECK(result.alpn == "http/1.1");
    }
    SECTION("by address: matched against the IP names") {
        CHECK(run_handshake(client->native_handle(), server->native_handle(), as_proxy("127.0.0.1")).ok);
    }
    SECTION("a wrong host name is refused") {
        auto result = run_handshake(client->native_handle(), server->native_handle(), as_proxy("other.test"));
        CHECK_FALSE(result.ok);
        CHECK(result.verify_result == X509_V_ERR_HOSTNAME_MISMATCH);
        CHECK_FALSE(run_handshake(client->native_handle(), server->native_handle(), as_proxy("127.0.0.2")).ok);
    }
    SECTION("a certificate from another CA is refused") {
        auto stranger = upstream_server(pki.issue("app.test", {"app.test"}, &pki.other_ca));
        auto result = run_handshake(client->native_handle(), stranger->native_handle(), as_proxy("app.test"));
        CHECK_FALSE(result.ok);
        CHECK(result.verify_result == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
    }
    SECTION("an expired certificate is refused") {
        auto expired = upstream_server(pki.issue("app.test", {"app.test"}, &pki.ca, false, -1));
        auto result = run_handshake(client->native_handle(), expired->native_handle(), as_proxy("app.test"));
        CHECK_FALSE(result.ok);
        CHECK(result.verify_result == X509_V_ERR_CERT_HAS_EXPIRED);
    }
    SECTION("verify: false accepts any certificate and any name") {
        config::UpstreamTlsSettings lax;
        lax.verify = false;
        auto trusting_all = make_upstream_tls(https("app.test"), lax);
        auto stranger = upstream_server(pki.issue("x", {"x"}, &pki.other_ca));
        CHECK(run_handshake(trusting_all->native_handle(), stranger->native_handle(), as_proxy("other.test", false)).ok);
    }
}

TEST_CASE("upstream TLS: a client certificate for an mTLS upstream") {
    test::TestPki pki;
    auto leaf = pki.issue("mesh.test", {"mesh.test"}, &pki.ca);
    auto identity = pki.issue("sessiongate", {"sessiongate"}, &pki.ca);
    auto server = upstream_server(leaf, &pki.ca);

    auto without = make_upstream_tls(https("mesh.test"), trusting(pki.ca));
    auto refused = run_handshake(without->native_handle(), server->native_handle(), as_proxy("mesh.test"));
    // TLS 1.3: the client finishes before the server reads its (missing)
    // certificate, so the server's side is what fails.
    CHECK_FALSE(refused.ok);

    auto settings = trusting(pki.ca);
    settings.cert_file = identity.cert_file;
    settings.key_file = identity.key_file;
    auto with = make_upstream_tls(https("mesh.test"), settings);
    auto accepted = run_handshake(with->native_handle(), server->native_handle(), as_proxy("mesh.test"));
    CHECK(accepted.ok);
    CHECK(accepted.server_saw_client_certificate);
    CHECK(proxy::describe_certificate(*with).subject == "CN=sessiongate");
}

TEST_CASE("upstream TLS: unusable files name the setting") {
    test::TestPki pki;
    auto identity = pki.issue("sessiongate", {"sessiongate"}, &pki.ca);
    auto not_pem = pki.write("empty.pem", "");
    using Catch::Matchers::Contains;
    auto with_ca = [](std::string file) {
        config::UpstreamTlsSettings settings;
        settings.ca_file = std::move(file);
        return settings;
    };
    CHECK_THROWS_WITH(make_upstream_tls(https("a.test"), with_ca("/nonexistent/ca.pem")),
                      Contains("upstream_tls.ca_file /nonexistent/ca.pem: No such file or directory"));
    CHECK_THROWS_WITH(make_upstream_tls(https("a.test"), with_ca(not_pem)),
                      Contains("upstream_tls.ca_file " + not_pem + ": no PEM certificate in it"));
    auto settings = trusting(pki.ca);
    settings.cert_file = identity.cert_file;
    settings.key_file = pki.ca.key_file;
    CHECK_THROWS_WITH(make_upstream_tls(https("a.test"), settings),
                      Contains("upstream_tls.key_file " + pki.ca.key_file +
                               ": does not match the certificate of upstream_tls.cert_file"));
}
