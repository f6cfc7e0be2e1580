// Certificates made on the spot for the TLS unit tests (OpenSSL's API, EC
// P-256 keys, so making them is quick), written to a temporary folder as PEM
// files the way an operator would give them; and a handshake run between two
// SSL objects in memory (a BIO pair), with no socket.
#pragma once

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace sessiongate::test {

struct Issued {
    std::shared_ptr<EVP_PKEY> key;
    std::shared_ptr<X509> certificate;
    std::string cert_file;  // PEM: the certificate, then its issuer unless self-signed
    std::string key_file;
};

class TestPki {
public:
    TestPki() {
        auto base = std::filesystem::temp_directory_path() / "sessiongate-tls-XXXXXX";
        std::string pattern = base.string();
        if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp");
        dir_ = pattern;
        ca = issue("Test CA", {}, nullptr, true);
        other_ca = issue("Other CA", {}, nullptr, true);
    }
    ~TestPki() {
        std::error_code ignored;
        std::filesystem::remove_all(dir_, ignored);
    }
    TestPki(const TestPki&) = delete;
    TestPki& operator=(const TestPki&) = delete;

    /// A certificate for `names` ("localhost", "IP:127.0.0.1"), signed by
    /// `issuer` (self-signed when null); `days_valid` < 0 makes one expired.
    Issued issue(const std::string& common_name, const std::vector<std::string>& names, const Issued* issuer,
                 bool is_ca = false, int days_valid = 30) {
        Issued out;
        out.key.reset(EVP_EC_gen("P-256"), EVP_PKEY_free);
        out.certificate.reset(X509_new(), X509_free);
        X509* cert = out.certificate.get();
        X509_set_version(cert, 2);
        ASN1_INTEGER_set(X509_get_serialNumber(cert), ++serial_);
        X509_gmtime_adj(X509_getm_notBefore(cert), days_valid < 0 ? -2L * 86400 * -days_valid : -60);
        X509_gmtime_adj(X509_getm_notAfter(cert), 86400L * days_valid);
        X509_set_pubkey(cert, out.key.get());
        X509_NAME* name = X509_get_subject_name(cert);
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                   reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1, 0);
        X509* signer = issuer ? issuer->certificate.get() : cert;
        X509_set_issuer_name(cert, X509_get_subject_name(signer));
        X509V3_CTX v3;
        X509V3_set_ctx_nodb(&v3);
        X509V3_set_ctx(&v3, signer, cert, nullptr, nullptr, 0);
        add_extension(cert, &v3, NID_basic_constraints, is_ca ? "critical,CA:TRUE" : "CA:FALSE");
        if (is_ca) add_extension(cert, &v3, NID_key_usage, "critical,keyCertSign,cRLSign");
        else add_extension(cert, &v3, NID_ext_key_usage, "serverAuth,clientAuth");
        add_extension(cert, &v3, NID_subject_key_identifier, "hash");
        if (!names.empty()) {
            std::string list;
            for (const auto& n : names) list += (list.empty() ? "" : ",") + (n.starts_with("IP:") ? n : "DNS:" + n);
            add_extension(cert, &v3, NID_subject_alt_name, list);
        }
        X509_sign(cert, issuer ? issuer->key.get() : out.key.get(), EVP_sha256());

        std::string stem = dir_ + "/" + std::to_string(serial_);
        out.cert_file = stem + ".crt";
        out.key_file = stem + ".key";
        write_pem(out.cert_file, [&](BIO* bio) {
            PEM_write_bio_X509(bio, cert);
            if (issuer && !is_self_signed(issuer->certificate.get())) PEM_write_bio_X509(bio, issuer->certificate.get());
        });
        write_pem(out.key_file, [&](BIO* bio) {
            PEM_write_bio_PrivateKey(bio, out.key.get(), nullptr, nullptr, 0, nullptr, nullptr);
        });
        return out;
    }

    /// A file of any text, in the same folder.
    std::string write(const std::string& name, const std::string& text) {
        std::string path = dir_ + "/" + name;
        std::FILE* file = std::fopen(path.c_str(), "wb");
        std::fwrite(text.data(), 1, text.size(), file);
        std::fclose(file);
        return path;
    }

    Issued ca;
    Issued other_ca;

private:
    static void add_extension(X509* cert, X509V3_CTX* v3, int nid, const std::string& value) {
        X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, v3, nid, value.c_str());
        if (!ext) throw std::runtime_error("extension " + value);
        X509_add_ext(cert, ext, -1);
        X509_EXTENSION_free(ext);
    }
    static bool is_self_signed(X509* cert) { return X509_check_issued(cert, cert) == X509_V_OK; }
    template <class Write>
    static void write_pem(const std::string& path, Write write) {
        BIO* bio = BIO_new_file(path.c_str(), "w");
        if (!bio) throw std::runtime_error("cannot write " + path);
        write(bio);
        BIO_free(bio);
    }

    std::string dir_;
    long serial_ = 0;
};

/// The outcome of one handshake between a client and a server SSL.
struct HandshakeResult {
    bool ok = false;
    std::string alpn;              // what the server chose, as the client sees it
    std::string version;           // "TLSv1.3"
    std::string cipher;
    long verify_result = X509_V_OK;  // the client's verdict on the server
    bool server_saw_client_certificate = false;
};

/// Runs a handshake in memory. `client_setup` adjusts the client SSL
/// (versions, ciphers, ALPN offer, SNI, host name check) before it starts.
template <class Setup>
HandshakeResult run_handshake(SSL_CTX* client_context, SSL_CTX* server_context, Setup client_setup) {
    std::unique_ptr<SSL, decltype(&SSL_free)> client(SSL_new(client_context), SSL_free);
    std::unique_ptr<SSL, decltype(&SSL_free)> server(SSL_new(server_context), SSL_free);
    BIO* client_bio = nullptr;
    BIO* server_bio = nullptr;
    BIO_new_bio_pair(&client_bio, 0, &server_bio, 0);
    SSL_set_bio(client.get(), client_bio, client_bio);
    SSL_set_bio(server.get(), server_bio, server_bio);
    SSL_set_connect_state(client.get());
    SSL_set_accept_state(server.get());
    client_setup(client.get());

    HandshakeResult result;
    bool client_done = false, server_done = false;
    for (int round = 0; round < 50 && !(client_done && server_done); ++round) {
        auto step = [](SSL* ssl, bool& done) {
            if (done) return true;
            int rc = SSL_do_handshake(ssl);
            if (rc == 1) return done = true;
            int error = SSL_get_error(ssl, rc);
            return error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE;
        };
        if (!step(client.get(), client_done) || !step(server.get(), server_done)) break;
    }
    ERR_clear_error();
    result.verify_result = SSL_get_verify_result(client.get());
    result.ok = client_done && server_done;
    if (!result.ok) return result;
    const unsigned char* alpn = nullptr;
    unsigned alpn_size = 0;
    SSL_get0_alpn_selected(client.get(), &alpn, &alpn_size);
    result.alpn.assign(reinterpret_cast<const char*>(alpn), alpn_size);
    result.version = SSL_get_version(client.get());
    result.cipher = SSL_get_cipher_name(client.get());
    X509* peer = SSL_get1_peer_certificate(server.get());
    result.server_saw_client_certificate = peer != nullptr;
    X509_free(peer);
    return result;
}

}  // namespace sessiongate::test
