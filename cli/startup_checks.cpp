#include "cli/startup_checks.hpp"

#include "cli/store_directory.hpp"
#include "proxy/tls_context.hpp"
#include "session/secret_keys.hpp"

#include <netdb.h>
#include <sys/socket.h>

#include <exception>
#include <filesystem>

namespace sessiongate::cli {
namespace {

using session::KeySource;
using session::SecretKeys;

// SecretKeys::load reads what `run` reads; its one side effect, generating
// the LMDB store's key on first start, is skipped: a key not made yet is
// no problem.
void check_secret_keys(const config::LoadResult& loaded, std::vector<config::Problem>& problems) {
    const config::Config& config = *loaded.config;
    const KeySource source = SecretKeys::source_for(config);
    if (source == KeySource::Generated) {
        std::error_code ec;
        if (!std::filesystem::exists(SecretKeys::generated_key_path(config), ec)) return;
    }
    try {
        SecretKeys::load(config);
    } catch (const std::exception& error) {
        switch (source) {
        case KeySource::Environment:
            problems.push_back({"environment", 0, "SESSIONGATE_SECRET_KEYS", error.what()});
            break;
        case KeySource::File: problems.push_back(loaded.locate("secret_key_file", error.what())); break;
        case KeySource::Generated:
        case KeySource::None: problems.push_back(loaded.locate("store.path", error.what())); break;
        }
    }
}

void check_store(const config::LoadResult& loaded, std::vector<config::Problem>& problems) {
    const config::Config& config = *loaded.config;
    if (config.store.type != config::StoreType::Lmdb) return;
    if (auto problem = store_directory_problem(config.store.path))
        problems.push_back(loaded.locate("store.path", *problem));
}

// As the proxy resolves it at start (and on reload).
void check_upstream(const config::LoadResult& loaded, std::vector<config::Problem>& problems) {
    const config::Upstream& upstream = loaded.config->upstream;
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    addrinfo* found = nullptr;
    int status = ::getaddrinfo(upstream.host.c_str(), std::to_string(upstream.port).c_str(), &hints, &found);
    if (found) ::freeaddrinfo(found);
    if (status != 0)
        problems.push_back(loaded.locate("upstream", "cannot resolve " + upstream.host + ": " + ::gai_strerror(status)));
}

// The certificate, key and CA files, loaded as run loads them. The message
// starts with the setting at fault ("tls.key_file /path: ..."): the problem
// is placed where that setting was written.
void check_tls(const config::LoadResult& loaded, std::vector<config::Problem>& problems) {
    const config::Config& config = *loaded.config;
    auto attempt = [&](auto load) {
        try {
            load();
        } catch (const std::exception& error) {
            std::string message = error.what();
            auto space = message.find(' ');
            problems.push_back(loaded.locate(message.substr(0, space), message.substr(space + 1)));
        }
    };
    attempt([&] { proxy::make_listener_tls(config.tls); });
    attempt([&] { proxy::make_upstream_tls(config.upstream, config.upstream_tls); });
}

}  // namespace

std::vector<config::Problem> startup_problems(const config::LoadResult& loaded) {
    std::vector<config::Problem> problems;
    if (!loaded.config) return problems;
    check_secret_keys(loaded, problems);
    check_store(loaded, problems);
    check_upstream(loaded, problems);
    check_tls(loaded, problems);
    return problems;
}

}  // namespace sessiongate::cli
