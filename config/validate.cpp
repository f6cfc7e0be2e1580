#include "config/validate.hpp"

#include "config/read.hpp"
#include "config/values.hpp"

#include <algorithm>
#include <array>

namespace sessiongate::config {
namespace {

constexpr std::size_t session_headroom = 16 * 1024;  // the rest of a response head

class Checker {
public:
    Checker(const Config& config, const Origins& origins) : config_(config), origins_(origins) {}

    /// A problem reported where `key` was set (or against the config when it
    /// kept its default).
    void at(const std::string& key, std::string message) {
        problems_.push_back(locate(origins_, config_.source, key, std::move(message)));
    }

    /// "not available yet: tls.cert_file": the message names the key, so a
    /// file problem does not repeat it; a variable or flag is still named.
    void not_available(const std::string& key) {
        at(key, "not available yet: " + key);
        if (problems_.back().key == key) problems_.back().key.clear();
    }

    bool was_set(const std::string& key) const { return origins_.contains(key); }
    std::vector<Problem> take() { return std::move(problems_); }

private:
    const Config& config_;
    const Origins& origins_;
    std::vector<Problem> problems_;
};

bool starts_with_word(std::string_view text, std::string_view prefix) {
    return text.size() >= prefix.size() && read::same_word(text.substr(0, prefix.size()), prefix);
}

// Browsers refuse these cookies without Secure: the proxy always sends it
// for them unless told `secure: false`, which can only be a mistake.
void check_cookie(const CookieSettings& cookie, Checker& check) {
    const bool never_secure = cookie.secure == CookieSecure::Never;
    if (cookie.samesite == SameSite::None && never_secure)
        check.at("cookie.samesite", "None requires Secure: cookie.secure must be auto or true");
    if (starts_with_word(cookie.name, "__Host-")) {
        // Pointed at the setting to change: the name is fine on its own.
        if (cookie.domain) check.at("cookie.domain", "must be null for a __Host- cookie (cookie.name)");
        if (never_secure) check.at("cookie.secure", "must be auto or true for a __Host- cookie (cookie.name)");
        if (cookie.path != "/") check.at("cookie.path", "must be / for a __Host- cookie (cookie.name)");
    } else if (starts_with_word(cookie.name, "__Secure-") && never_secure) {
        check.at("cookie.secure", "must be auto or true for a __Secure- cookie (cookie.name)");
    }
}

void check_store(const StoreSettings& store, const Config& config, bool secret_keys_in_environment,
                 Checker& check) {
    if (store.type != StoreType::Lmdb && !config.secret_key_file && !secret_keys_in_environment)
        check.at("store.type", std::string("the ") + (store.type == StoreType::Redis ? "redis" : "cookie") +
                                   " store requires secret_key_file or SESSIONGATE_SECRET_KEYS");
    if (store.type == StoreType::Cookie) {
        // Sessions that travel in their cookies cannot be found, listed or
        // revoked by the server: refuse what would promise it.
        if (!config.index.empty())
            check.at("index", "the cookie store keeps no sessions on a server, so none can be indexed "
                              "(use store.type lmdb or redis)");
        if (config.admin_token_file)
            check.at("admin_token_file", "the cookie store keeps no sessions on a server: the admin session API "
                                         "cannot find, change or revoke them (use store.type lmdb or redis)");
    }
    if (store.tls_cert_file.has_value() != store.tls_key_file.has_value())
        check.at(store.tls_cert_file ? "store.tls_cert_file" : "store.tls_key_file",
                 "requires " + std::string(store.tls_cert_file ? "store.tls_key_file" : "store.tls_cert_file"));
    if (!store.url.starts_with("rediss://")) {
        const std::pair<const char*, bool> tls_files[] = {{"store.tls_ca_file", store.tls_ca_file.has_value()},
                                                          {"store.tls_cert_file", store.tls_cert_file.has_value()},
                                                          {"store.tls_key_file", store.tls_key_file.has_value()}};
        for (const auto& [key, set] : tls_files)
            if (set) check.at(key, "applies to rediss:// URLs only (store.url)");
    }
    if (store.max_map_size < store.map_size) {
        if (check.was_set("store.max_map_size"))
            check.at("store.max_map_size", "must be at least store.map_size (" + size_text(store.map_size) + ")");
        else
            check.at("store.map_size", "must be at most store.max_map_size (" + size_text(store.max_map_size) + ")");
    }
}

// Two listeners cannot share a port on one address, nor on any address when
// one of them is a wildcard (0.0.0.0, and :: which takes IPv4 too). Port 0
// gives each its own port.
bool same_socket(const Endpoint& a, const Endpoint& b) {
    if (a.port == 0 || a.port != b.port) return false;
    auto wildcard = [](const std::string& host) { return host == "0.0.0.0" || host == "::"; };
    return a.host == b.host || wildcard(a.host) || wildcard(b.host);
}

void check_listeners(const Config& config, Checker& check) {
    if (!same_socket(config.listen, config.admin)) return;
    std::string key = check.was_set("admin") ? "admin" : "listen";
    std::string other = key == "admin" ? "listen" : "admin";
    check.at(key, "must not take the same port as " + other + " (" + config.listen.text() + " and " +
                      config.admin.text() + ")");
}

void check_tls(const Config& config, Checker& check) {
    if (config.tls.cert_file && !config.tls.key_file) check.at("tls.cert_file", "requires tls.key_file");
    if (config.tls.key_file && !config.tls.cert_file) check.at("tls.key_file", "requires tls.cert_file");
    const auto& client = config.upstream_tls;
    if (client.cert_file && !client.key_file) check.at("upstream_tls.cert_file", "requires upstream_tls.key_file");
    if (client.key_file && !client.cert_file) check.at("upstream_tls.key_file", "requires upstream_tls.cert_file");
}

void check_routes(const std::vector<Route>& routes, Checker& check) {
    for (std::size_t i = 0; i < routes.size(); ++i) {
        std::string name = "routes[" + std::to_string(i) + "]";
        if (routes[i].prefix.empty()) {
            // A prefix given but refused has been reported already.
            if (!check.was_set(name + ".prefix")) check.at(name, "prefix is required");
            continue;
        }
        for (std::size_t j = 0; j < i; ++j)
            if (routes[j].prefix == routes[i].prefix)
                check.at(name + ".prefix", "same prefix as routes[" + std::to_string(j) + "]");
    }
}

// Headers the proxy writes itself or that frame the message: a session value
// must not replace them.
void check_inject(const Config& config, Checker& check) {
    const std::string& prefix = config.header_prefix;
    const std::array<std::string, 9> reserved = {
        prefix, prefix + "-Id", prefix + "-State", prefix + "-Expires", "Host", "Cookie",
        "Connection", "Content-Length", "Transfer-Encoding"};
    for (const auto& [key, header] : config.inject)
        for (const std::string& name : reserved)
            if (read::same_word(header, name))
                check.at("inject", "header for \"" + key + "\" cannot be " + name + ", which sessiongate sets itself");
}

// Index keys are session keys (top-level names in the data), stored in
// index keys of their own: short, printable, each once.
constexpr std::size_t max_index_key_bytes = 64;

void check_index(const Config& config, Checker& check) {
    if (config.index.empty()) return;
    if (config.store.type == StoreType::Cookie) return;  // refused with the cookie store's settings
    for (std::size_t i = 0; i < config.index.size(); ++i) {
        const std::string& key = config.index[i];
        const bool printable = std::all_of(key.begin(), key.end(), [](char c) {
            return static_cast<unsigned char>(c) > 0x20 && c != 0x7f;
        });
        if (key.empty() || key.size() > max_index_key_bytes || !printable)
            check.at("index", "\"" + key + "\" is not a session key to index (1 to " +
                                  std::to_string(max_index_key_bytes) + " printable characters, no spaces)");
        else if (std::find(config.index.begin(), config.index.begin() + i, key) != config.index.begin() + i)
            check.at("index", "\"" + key + "\" is listed twice");
    }
}

}  // namespace

std::vector<Problem> validate(Config& config, const Origins& origins, bool secret_keys_in_environment) {
    // The session travels in one request header and comes back in response
    // headers: the response head must have room for it.
    config.limits.max_response_header_bytes =
        std::max(config.limits.max_response_header_bytes, 2 * config.session_max_bytes + session_headroom);

    Checker check(config, origins);
    check_listeners(config, check);
    check_cookie(config.cookie, check);
    check_store(config.store, config, secret_keys_in_environment, check);
    check_tls(config, check);
    check_routes(config.routes, check);
    check_inject(config, check);
    check_index(config, check);
    return check.take();
}

}  // namespace sessiongate::config
