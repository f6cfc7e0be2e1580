#include "unit/redis/redis_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace sessiongate::session::redis::testing {
namespace {

sockaddr_in loopback(std::uint16_t port) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return address;
}

/// Connects to 127.0.0.1:port; with `ping`, also wants an answer to PING
/// (+PONG, or -NOAUTH from a server with a password).
bool answers(std::uint16_t port, bool ping) {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    auto address = loopback(port);
    bool ok = connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    if (ok && ping) {
        ok = write(fd, "PING\r\n", 6) == 6;
        pollfd p{fd, POLLIN, 0};
        char buffer[16];
        const ssize_t n = ok && poll(&p, 1, 500) == 1 ? read(fd, buffer, sizeof buffer) : -1;
        const std::string reply(buffer, n > 0 ? static_cast<std::size_t>(n) : 0);
        ok = reply.starts_with("+PONG") || reply.starts_with("-NOAUTH");
    }
    close(fd);
    return ok;
}

void run(const std::string& command) {
    if (std::system((command + " >/dev/null 2>&1").c_str()) != 0)
        throw std::runtime_error("test PKI: failed: " + command);
}

}  // namespace

TempDir::TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "sg-redis-XXXXXX").string();
    if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
}

TempDir::~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

std::uint16_t free_port() {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    auto address = loopback(0);
    socklen_t length = sizeof address;
    if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        close(fd);
        throw std::runtime_error("no free port");
    }
    close(fd);
    return ntohs(address.sin_port);
}

RedisServer::RedisServer(std::vector<std::string> extra, const Tls* tls) : extra_(std::move(extra)), tls_(tls) {
    if (tls) {
        extra_.insert(extra_.end(), {"--tls-cert-file", tls->cert_file, "--tls-key-file", tls->key_file,
                                     "--tls-ca-cert-file", tls->ca_file, "--tls-auth-clients", "no"});
    }
    // Another process may take the port between free_port() and the bind.
    for (int attempt = 0; attempt < 5; ++attempt) {
        port_ = free_port();
        if (spawn() && wait_ready()) return;
        stop();
    }
    throw std::runtime_error("redis-server did not start; see " + dir() + "/redis.log");
}

RedisServer::~RedisServer() {
    stop();
}

std::string RedisServer::url(int database) const {
    return std::string(tls_ ? "rediss" : "redis") + "://127.0.0.1:" + std::to_string(port_) + "/" +
           std::to_string(database);
}

bool RedisServer::spawn() {
    std::vector<std::string> args = {"redis-server", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                                     "--dir", dir(), "--logfile", dir() + "/redis.log", "--daemonize", "no"};
    if (tls_) {
        args.insert(args.end(), {"--port", "0", "--tls-port", std::to_string(port_)});
    } else {
        args.insert(args.end(), {"--port", std::to_string(port_)});
    }
    args.insert(args.end(), extra_.begin(), extra_.end());
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    pid_ = fork();
    if (pid_ == 0) {
        // Not the test's stdout (a pipe the test runner waits on), and gone
        // with the test process even if it crashes.
        const int null = open("/dev/null", O_RDWR);
        dup2(null, STDIN_FILENO);
        dup2(null, STDOUT_FILENO);
        dup2(null, STDERR_FILENO);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        execvp("redis-server", argv.data());
        _exit(127);
    }
    return pid_ > 0;
}

bool RedisServer::wait_ready() {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < until) {
        if (waitpid(pid_, nullptr, WNOHANG) == pid_) {  // exited: port taken, bad option
            pid_ = -1;
            return false;
        }
        if (answers(port_, !tls_)) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
}

void RedisServer::stop() {
    if (pid_ <= 0) return;
    kill(pid_, SIGCONT);  // a paused server must wake to hear SIGTERM
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
}

void RedisServer::start() {
    if (!spawn() || !wait_ready()) throw std::runtime_error("redis-server did not restart on its port");
}

void RedisServer::pause() {
    kill(pid_, SIGSTOP);
}

void RedisServer::resume() {
    kill(pid_, SIGCONT);
}

SilentServer::SilentServer() {
    listener_ = socket(AF_INET, SOCK_STREAM, 0);
    auto address = loopback(0);
    socklen_t length = sizeof address;
    if (bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || listen(listener_, 16) != 0 ||
        getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0)
        throw std::runtime_error("silent server: cannot listen");
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] {
        std::vector<pollfd> fds{{listener_, POLLIN, 0}};
        while (!stop_) {
            if (poll(fds.data(), fds.size(), 50) <= 0) continue;
            for (std::size_t i = 0; i < fds.size(); ++i) {
                if (!(fds[i].revents & (POLLIN | POLLHUP))) continue;
                if (i == 0) {
                    const int fd = accept(listener_, nullptr, nullptr);
                    if (fd >= 0) {
                        fds.push_back({fd, POLLIN, 0});
                        ++accepted_;
                    }
                    continue;
                }
                char sink[4096];
                if (read(fds[i].fd, sink, sizeof sink) <= 0) {  // the client left
                    close(fds[i].fd);
                    fds[i].fd = -1;  // poll skips it
                }
            }
        }
        for (auto& p : fds)
            if (p.fd >= 0) close(p.fd);
    });
}

SilentServer::~SilentServer() {
    stop_ = true;
    thread_.join();
}

TestPki::TestPki(const std::string& dir) {
    const std::string ec = " -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes ";
    ca_file = dir + "/ca.crt";
    other_ca_file = dir + "/other_ca.crt";
    server_cert = dir + "/server.crt";
    server_key = dir + "/server.key";
    run("openssl req -x509" + ec + "-days 2 -subj /CN=sessiongate-test-ca -keyout " + dir + "/ca.key -out " + ca_file);
    run("openssl req -x509" + ec + "-days 2 -subj /CN=unrelated-ca -keyout " + dir + "/other_ca.key -out " +
        other_ca_file);
    std::ofstream(dir + "/server.ext") << "subjectAltName=DNS:localhost\n";
    run("openssl req" + ec + "-subj /CN=localhost -keyout " + server_key + " -out " + dir + "/server.csr");
    run("openssl x509 -req -days 2 -in " + dir + "/server.csr -CA " + ca_file + " -CAkey " + dir +
        "/ca.key -CAcreateserial -extfile " + dir + "/server.ext -out " + server_cert);
}

}  // namespace sessiongate::session::redis::testing
