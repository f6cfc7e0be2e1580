#include "config/load.hpp"

namespace sessiongate::config {

std::string Problem::text() const {
    std::string out = file;
    if (line > 0) {
        out += ':';
        out += std::to_string(line);
    }
    out += ": ";
    if (!key.empty()) out += key + ": ";
    return out + message;
}

}  // namespace sessiongate::config
