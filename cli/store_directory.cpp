#include "cli/store_directory.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace sessiongate::cli {
namespace {

namespace fs = std::filesystem;

// LMDB keeps a store in these two files of its directory.
constexpr const char* data_file = "data.mdb";
constexpr const char* lock_file = "lock.mdb";

std::optional<std::string> not_accessible(const fs::path& path, int mode, const std::string& what) {
    if (::access(path.c_str(), mode) == 0) return std::nullopt;
    return what + " " + path.string() + ": " + std::strerror(errno);
}

}  // namespace

std::optional<std::string> store_directory_problem(const std::string& path) {
    std::error_code ec;
    const fs::path directory(path);
    if (fs::exists(directory, ec)) {
        if (!fs::is_directory(directory, ec)) return path + " is not a directory";
        if (auto problem = not_accessible(directory, R_OK | W_OK | X_OK, "cannot use")) return problem;
        for (const char* name : {data_file, lock_file})
            if (fs::exists(directory / name, ec))
                if (auto problem = not_accessible(directory / name, R_OK | W_OK, "cannot use")) return problem;
        return std::nullopt;
    }
    // `run` creates the directory: its nearest existing ancestor must allow it.
    fs::path ancestor = fs::absolute(directory, ec).parent_path();
    while (ancestor.has_relative_path() && !fs::exists(ancestor, ec)) ancestor = ancestor.parent_path();
    if (!fs::is_directory(ancestor, ec)) return "cannot create " + path + ": " + ancestor.string() + " is not a directory";
    if (::access(ancestor.c_str(), W_OK | X_OK) != 0)
        return "cannot create " + path + ": " + ancestor.string() + ": " + std::strerror(errno);
    return std::nullopt;
}

std::optional<std::string> existing_store_problem(const std::string& path) {
    std::error_code ec;
    const fs::path directory(path);
    if (!fs::exists(directory, ec)) return "no session store at " + path + ": it does not exist";
    if (!fs::is_directory(directory, ec)) return "no session store at " + path + ": it is not a directory";
    if (!fs::exists(directory / data_file, ec))
        return "no session store at " + path + ": the directory holds no " + data_file;
    return std::nullopt;
}

}  // namespace sessiongate::cli
