#include "config/config.hpp"

namespace sessiongate::config {

std::string Endpoint::text() const {
    if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
    return host + ":" + std::to_string(port);
}

std::string Upstream::url() const {
    return scheme + "://" + host + ":" + std::to_string(port);
}

const Route* Config::route_for(std::string_view path) const {
    const Route* best = nullptr;
    for (const Route& route : routes) {
        if (path.substr(0, route.prefix.size()) == route.prefix &&
            (best == nullptr || route.prefix.size() > best->prefix.size()))
            best = &route;
    }
    return best;
}

}  // namespace sessiongate::config
