#include "session/lmdb/directory_claim.hpp"

#include <filesystem>
#include <mutex>
#include <set>
#include <stdexcept>

#include <unistd.h>

namespace sessiongate::session::lmdb {
namespace {

std::mutex& claims_mutex() {
    static std::mutex m;
    return m;
}

std::set<std::string>& claims() {
    static std::set<std::string> paths;
    return paths;
}

}  // namespace

// Keyed by pid too, so a forked child (which inherits this table) may open
// its own.
DirectoryClaim::DirectoryClaim(const std::string& path)
    : key_(std::to_string(::getpid()) + ":" + std::filesystem::weakly_canonical(path).string()) {
    std::lock_guard lock(claims_mutex());
    if (!claims().insert(key_).second)
        throw std::runtime_error(path + " is already open as a session store in this process");
}

DirectoryClaim::~DirectoryClaim() {
    std::lock_guard lock(claims_mutex());
    claims().erase(key_);
}

}  // namespace sessiongate::session::lmdb
