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

Problem locate(const Origins& origins, const std::string& source, const std::string& key, std::string message) {
    auto found = origins.find(key);
    if (found == origins.end()) return {source.empty() ? "configuration" : source, 0, key, std::move(message)};
    return {found->second.file, found->second.line, found->second.label, std::move(message)};
}

}  // namespace sessiongate::config
