#include "session/redis/url.hpp"

#include <boost/url/parse.hpp>

#include <charconv>

namespace sessiongate::session::redis {

std::string Endpoint::url() const {
    const bool v6 = host.find(':') != std::string::npos;
    return std::string(tls ? "rediss://" : "redis://") + (v6 ? "[" + host + "]" : host) + ":" +
           std::to_string(port) + "/" + std::to_string(database);
}

std::optional<Endpoint> parse_url(std::string_view text, std::string& error) {
    auto parsed = boost::urls::parse_uri(text);
    if (!parsed) {
        error = "not a URL";
        return std::nullopt;
    }
    const auto& url = *parsed;
    Endpoint endpoint;
    if (url.scheme() == "rediss") {
        endpoint.tls = true;
    } else if (url.scheme() != "redis") {
        error = "the scheme must be redis:// or rediss://";
        return std::nullopt;
    }
    if (url.has_userinfo()) {
        error = "must not hold a user or password: use store.password_file or SESSIONGATE_REDIS_PASSWORD";
        return std::nullopt;
    }
    if (url.has_query() || url.has_fragment()) {
        error = "must not have a query or fragment";
        return std::nullopt;
    }
    endpoint.host = url.host_address();
    if (endpoint.host.empty()) {
        error = "has no host";
        return std::nullopt;
    }
    if (url.has_port()) {
        if (url.port().empty() || url.port_number() == 0) {
            error = "the port must be 1..65535";
            return std::nullopt;
        }
        endpoint.port = url.port_number();
    }
    std::string_view path = url.encoded_path();
    if (path.starts_with('/')) path.remove_prefix(1);
    if (!path.empty()) {
        auto [end, ec] = std::from_chars(path.data(), path.data() + path.size(), endpoint.database);
        if (ec != std::errc{} || end != path.data() + path.size() || endpoint.database < 0) {
            error = "the path must be a database number (redis://host:6379/0)";
            return std::nullopt;
        }
    }
    return endpoint;
}

}  // namespace sessiongate::session::redis
