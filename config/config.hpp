// The validated, immutable configuration every other folder reads.
//
// Built once by config::load() from YAML, environment and flags; shared as
// std::shared_ptr<const Config> and swapped whole on reload, never mutated.
// No yaml-cpp type appears here.
#pragma once

#include "config/web_origin.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace sessiongate::config {

using Duration = std::chrono::milliseconds;

/// A host:port pair. Port 0 asks the OS for a free port.
struct Endpoint {
    std::string host = "127.0.0.1";
    std::uint16_t port = 0;
    std::string text() const;  // "host:port", IPv6 hosts in brackets
    bool operator==(const Endpoint&) const = default;
};

/// Where requests go: http:// or https:// URL split into parts.
struct Upstream {
    std::string scheme = "http";  // http | https
    std::string host = "127.0.0.1";
    std::uint16_t port = 8000;
    std::string url() const;
};

enum class SameSite { Strict, Lax, None };
/// cookie.secure: Auto sets Secure when the client's connection is secure
/// (TLS, or https in a trusted proxy's X-Forwarded-Proto).
enum class CookieSecure { Auto, Always, Never };

struct CookieSettings {
    std::string name = "sessionid";
    std::int64_t age = 1209600;  // seconds of idle expiry
    std::optional<std::string> domain;
    std::string path = "/";
    CookieSecure secure = CookieSecure::Auto;
    bool httponly = true;
    SameSite samesite = SameSite::Lax;
    bool expire_at_browser_close = false;
};

enum class StoreType { Lmdb, Redis, Cookie };
enum class Durability { Fsync, Os, None };
/// What a request gets when the store fails: 503, or no session.
enum class StoreUnavailable { Reject, Anonymous };

struct StoreSettings {
    StoreType type = StoreType::Lmdb;
    std::string path = "./data/sessions";  // lmdb directory
    Durability durability = Durability::Fsync;
    std::string url = "redis://127.0.0.1:6379/0";
    std::optional<std::string> password_file;  // Redis password; never in the YAML
    std::string key_prefix = "sessiongate:";    // every Redis key of the store starts with it
    std::optional<std::string> tls_ca_file;     // rediss://: CA bundle, null = the system store
    std::optional<std::string> tls_cert_file;   // rediss://: client certificate, when Redis wants one
    std::optional<std::string> tls_key_file;
    unsigned connections = 0;                   // Redis connections (own threads); 0 = `threads`
    Duration connect_timeout = std::chrono::seconds(2);
    std::uint64_t map_size = 1ull << 30;       // initial LMDB map size, bytes
    std::uint64_t max_map_size = 64ull << 30;  // the map grows up to this
    Duration sweep_interval = std::chrono::seconds(60);
    Duration commit_delay{0};  // how long the writer waits to batch more writes
    StoreUnavailable unavailable = StoreUnavailable::Reject;
    bool operator==(const StoreSettings&) const = default;
};

struct TlsSettings {
    std::optional<std::string> cert_file;
    std::optional<std::string> key_file;
};

struct UpstreamTlsSettings {
    std::optional<std::string> ca_file;    // null: the system's store
    bool verify = true;                    // the certificate and the host name
    std::optional<std::string> cert_file;  // client certificate (mTLS)
    std::optional<std::string> key_file;
};

/// Size limits on what clients and the upstream send.
struct Limits {
    std::size_t max_request_header_bytes = 32 * 1024;
    std::uint64_t max_request_body_bytes = 100ull << 20;
    std::size_t max_response_header_bytes = 64 * 1024;  // raised to fit session_max_bytes
};

struct Timeouts {
    Duration request_header = std::chrono::seconds(10);  // slowloris
    Duration request_body = std::chrono::seconds(60);    // between body reads
    Duration keepalive = std::chrono::seconds(75);       // idle client connection
    Duration upstream_connect = std::chrono::seconds(5);
    Duration upstream_response = std::chrono::seconds(60);  // request sent -> response head
    Duration upstream_idle = std::chrono::seconds(60);      // between body reads from upstream
    Duration tunnel_idle = std::chrono::seconds(300);       // WebSocket, both ways quiet
    Duration store = std::chrono::seconds(5);               // each session store call
    Duration drain = std::chrono::seconds(10);              // SIGTERM grace period
};

struct UpstreamPoolSettings {
    std::size_t max_idle_per_thread = 64;
    Duration idle_timeout = std::chrono::seconds(30);
};

/// CSRF protection (docs/csrf.md): off; origin checks the Origin and
/// Sec-Fetch-Site of unsafe requests; token adds a per-session secret that
/// unsafe requests of a session must prove they know.
enum class CsrfMode { Off, Origin, Token };

struct CsrfSettings {
    CsrfMode mode = CsrfMode::Off;
    std::vector<WebOrigin> trusted_origins;  // may post cross-origin
    std::size_t max_form_bytes = 1 << 20;  // of a form body read for its token before forwarding
    /// The session key naming the member: a cycle that sets it to a new
    /// value is a login, and rotates the secret.
    std::string login_key = "member_id";
};

/// A path-prefix rule; the longest matching prefix wins.
struct Route {
    std::string prefix;
    bool sessions = true;  // false: no session work at all (static assets, app health)
    std::optional<std::int64_t> cookie_age;
    std::optional<bool> save_every_request;
    std::optional<std::int64_t> max_lifetime;
    std::optional<CsrfMode> csrf;  // csrf.mode for this route; nullopt = csrf.mode
};

enum class LogLevel { Debug, Info, Warn, Error };

struct LogSettings {
    LogLevel level = LogLevel::Info;
    bool access = true;  // one JSON line per request
    bool query = false;  // the query string in the access log's path
};

struct Config {
    std::string source;  // file it was read from, for messages

    Endpoint listen{"127.0.0.1", 8080};
    Upstream upstream;
    Endpoint admin{"127.0.0.1", 9901};
    unsigned threads = 1;
    std::string header_prefix = "X-Session";
    std::optional<std::string> secret_key_file;
    bool strict_control = false;

    StoreSettings store;
    CookieSettings cookie;
    bool save_every_request = false;
    std::int64_t touch_interval = 60;
    std::int64_t max_lifetime = 0;
    std::size_t session_max_bytes = 16384;
    std::vector<std::pair<std::string, std::string>> inject;  // session key -> header name

    TlsSettings tls;
    UpstreamTlsSettings upstream_tls;
    std::vector<std::string> index;
    std::optional<std::string> admin_token_file;

    std::vector<std::string> trusted_proxies;  // peers whose X-Forwarded-For is extended
    bool strip_session_cookie = true;          // remove our cookie from upstream's Cookie
    bool preserve_host = true;
    Limits limits;
    Timeouts timeouts;
    UpstreamPoolSettings upstream_pool;
    std::vector<Route> routes;
    CsrfSettings csrf;
    LogSettings log;

    /// The route for a request path: the longest matching prefix, or nullptr.
    const Route* route_for(std::string_view path) const;
};

using ConfigPtr = std::shared_ptr<const Config>;

}  // namespace sessiongate::config
