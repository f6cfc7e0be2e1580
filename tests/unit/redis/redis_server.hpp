// Test servers: a real redis-server on 127.0.0.1 on a free port of its own
// (never 6379), a socket that accepts and never answers, and a throwaway
// PKI made with the openssl command line for TLS tests.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

namespace sessiongate::session::redis::testing {

/// A fresh directory under the temp dir, removed with everything in it.
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

/// A free TCP port on 127.0.0.1 (bound once and released).
std::uint16_t free_port();

/// redis-server in the foreground, its files in a temp dir. Stopped (and
/// waited for) by the destructor.
class RedisServer {
public:
    struct Tls {
        std::string cert_file, key_file, ca_file;
    };

    /// Starts on a free port with `extra` arguments (`--requirepass x`);
    /// with `tls`, the port is a TLS port and plain TCP is off. Throws
    /// std::runtime_error when it does not come up.
    explicit RedisServer(std::vector<std::string> extra = {}, const Tls* tls = nullptr);
    ~RedisServer();
    RedisServer(const RedisServer&) = delete;
    RedisServer& operator=(const RedisServer&) = delete;

    std::uint16_t port() const { return port_; }
    std::string url(int database = 0) const;
    const std::string& dir() const { return dir_.path(); }

    void stop();   // SIGTERM, then waits
    void start();  // again, on the same port and directory
    void pause();  // SIGSTOP: the socket stays open but nothing answers
    void resume(); // SIGCONT

private:
    bool spawn();
    bool wait_ready();

    TempDir dir_;
    std::vector<std::string> extra_;
    bool tls_ = false;
    std::uint16_t port_ = 0;
    pid_t pid_ = -1;
};

/// Accepts connections and reads whatever comes, never writing a byte.
class SilentServer {
public:
    SilentServer();
    ~SilentServer();
    SilentServer(const SilentServer&) = delete;
    SilentServer& operator=(const SilentServer&) = delete;

    std::uint16_t port() const { return port_; }
    int accepted() const { return accepted_.load(); }

private:
    int listener_ = -1;
    std::uint16_t port_ = 0;
    std::atomic<bool> stop_{false};
    std::atomic<int> accepted_{0};
    std::thread thread_;
};

/// A CA and certificates signed by it, made with the openssl CLI:
/// ca.crt, server.crt/server.key (for DNS name "localhost" only),
/// other_ca.crt (an unrelated CA).
struct TestPki {
    explicit TestPki(const std::string& dir);
    std::string ca_file, other_ca_file, server_cert, server_key;
};

}  // namespace sessiongate::session::redis::testing
