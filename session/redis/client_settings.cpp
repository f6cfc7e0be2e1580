#include "session/redis/client_settings.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <stdexcept>

namespace sessiongate::session::redis {

std::string read_password(const std::optional<std::string>& password_file) {
    const char* env = std::getenv("SESSIONGATE_REDIS_PASSWORD");
    if (env && *env) return env;
    if (!password_file) return {};
    std::ifstream in(*password_file, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read store.password_file " + *password_file + ": " + std::strerror(errno));
    std::string password;
    std::getline(in, password);
    if (!password.empty() && password.back() == '\r') password.pop_back();
    if (password.empty())
        throw std::runtime_error("store.password_file " + *password_file + " holds no password on its first line");
    return password;
}

}  // namespace sessiongate::session::redis
