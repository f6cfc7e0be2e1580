// Marks a directory as open as an LMDB store in this process. LMDB must not
// open one environment twice in a process: closing the second handle would
// drop the first one's file locks.
#pragma once

#include <string>

namespace sessiongate::session::lmdb {

class DirectoryClaim {
public:
    /// Throws std::runtime_error when this process holds `path` already.
    explicit DirectoryClaim(const std::string& path);
    ~DirectoryClaim();
    DirectoryClaim(const DirectoryClaim&) = delete;
    DirectoryClaim& operator=(const DirectoryClaim&) = delete;

private:
    std::string key_;
};

}  // namespace sessiongate::session::lmdb
