#include "config/schema.hpp"

#include "config/read.hpp"
#include "config/values.hpp"

#include <algorithm>
#include <cctype>
#include <limits>
#include <set>

namespace sessiongate::config {
namespace {

using Kind = Tree::Kind;

constexpr std::int64_t no_limit = std::numeric_limits<std::int64_t>::max();
constexpr std::uint64_t no_size_limit = std::numeric_limits<std::uint64_t>::max();

Endpoint endpoint(const Tree& value) {
    auto parsed = parse_endpoint(read::text(value));
    if (!parsed) read::fail(value, "must be host:port with a port 0..65535 (got " + value.describe() + ")");
    return *parsed;
}

Upstream upstream(const Tree& value) {
    auto parsed = parse_upstream(read::text(value));
    if (!parsed)
        read::fail(value, "must be an http:// or https:// URL with a host, an optional port and no path (got " +
                              value.describe() + ")");
    return *parsed;
}

std::string url_path(const Tree& value) {
    std::string path = read::text(value);
    if (path.front() != '/') read::fail(value, "must start with \"/\" (got " + value.describe() + ")");
    return path;
}

std::string cookie_path(const Tree& value) {
    std::string path = url_path(value);
    if (path.find_first_of("; \t\r\n") != std::string::npos)
        read::fail(value, "must not contain ';' or spaces (got " + value.describe() + ")");
    return path;
}

// A browser drops a cookie whose Domain is not a host name, so a login
// would fail without a word: say which part does not belong.
std::optional<std::string> cookie_domain(const Tree& value) {
    auto domain = read::optional_text(value);
    if (!domain || is_cookie_domain(*domain)) return domain;
    std::string_view reason = "labels of letters, digits and '-' between dots";
    if (domain->find("://") != std::string::npos) reason = "no scheme";
    else if (domain->find_first_of(" \t\r\n") != std::string::npos) reason = "no spaces";
    else if (domain->find('/') != std::string::npos) reason = "no path";
    else if (domain->find(':') != std::string::npos) reason = "no port";
    read::fail(value, "must be a host name such as example.com or .example.com, " + std::string(reason) +
                          " (got " + value.describe() + ")");
}

std::string redis_url(const Tree& value) {
    std::string url = read::text(value);
    if (!url.starts_with("redis://") && !url.starts_with("rediss://"))
        read::fail(value, "must be a redis:// or rediss:// URL (got " + value.describe() + ")");
    auto authority = url.substr(url.find("//") + 2);
    if (authority.substr(0, authority.find('/')).find('@') != std::string::npos)
        read::fail(value, "must not hold a password: use store.password_file or SESSIONGATE_REDIS_PASSWORD");
    return url;
}

CookieSecure cookie_secure(const Tree& value) {
    if (value.kind == Tree::Kind::Scalar) {
        if (read::same_word(value.scalar, "auto")) return CookieSecure::Auto;
        if (auto flag = parse_bool(value.scalar)) return *flag ? CookieSecure::Always : CookieSecure::Never;
    }
    read::fail(value, "must be auto, true or false (got " + value.describe() + ")");
}

std::vector<std::pair<std::string, std::string>> inject_map(const Tree& value) {
    auto map = read::text_map(value);
    for (std::size_t i = 0; i < map.size(); ++i)
        if (!is_token(map[i].second))
            read::fail(value.items[i], "header for \"" + map[i].first + "\" must be a valid header name (got " +
                                           value.items[i].describe() + ")");
    return map;
}

std::vector<std::string> address_list(const Tree& value) {
    auto list = read::text_list(value);
    for (std::size_t i = 0; i < list.size(); ++i)
        if (!is_ip_or_cidr(list[i]))
            read::fail(value.items[i], "must be a list of IP addresses or CIDRs (got " + value.items[i].describe() + ")");
    return list;
}

CsrfMode csrf_mode(const Tree& value) {
    return read::one_of<CsrfMode>(value, {{"off", CsrfMode::Off}, {"origin", CsrfMode::Origin}, {"token", CsrfMode::Token}});
}

std::vector<WebOrigin> origin_list(const Tree& value) {
    auto list = read::text_list(value);
    std::vector<WebOrigin> origins;
    for (std::size_t i = 0; i < list.size(); ++i) {
        auto origin = parse_configured_origin(list[i]);
        if (!origin)
            read::fail(value.items[i], "must be an origin such as https://app.example.com or http://localhost:3000: "
                                       "http or https, a host, an optional port, no path (got " +
                                           value.items[i].describe() + ")");
        origins.push_back(std::move(*origin));
    }
    return origins;
}

// The table. Lambdas without captures convert to the function pointers.
const Setting table[] = {
    {"listen", "host:port", "127.0.0.1:8080", "Where clients connect; port 0 picks a free port.",
     [](Target& t, const Tree& v) { t.config.listen = endpoint(v); }},
    {"upstream", "URL", "http://127.0.0.1:8000",
     "The application: http:// or https://, a host and an optional port, no path.",
     [](Target& t, const Tree& v) { t.config.upstream = upstream(v); }},
    {"admin", "host:port", "127.0.0.1:9901", "Admin listener: /healthz, /readyz, /metrics, session API.",
     [](Target& t, const Tree& v) { t.config.admin = endpoint(v); }},
    {"threads", "integer 1..256", "1", "I/O threads, each with its own connections and upstream pool.",
     [](Target& t, const Tree& v) { t.config.threads = static_cast<unsigned>(read::integer(v, 1, 256)); }},
    {"header_prefix", "header name", "X-Session",
     "Prefix of the session headers; client-sent headers starting with it are always removed.",
     [](Target& t, const Tree& v) { t.config.header_prefix = read::token(v); }},
    {"secret_key_file", "path or null", "null",
     "Keys, one per line, newest first, each at least 32 characters. Required for the redis and cookie "
     "stores unless SESSIONGATE_SECRET_KEYS holds them; with neither, run generates one for lmdb as "
     "store.path/secret_key.",
     [](Target& t, const Tree& v) { t.config.secret_key_file = read::optional_text(v); }},
    {"strict_control", "boolean", "false",
     "A malformed X-Session-* response header: false ignores it (logged, counted), true answers 502.",
     [](Target& t, const Tree& v) { t.config.strict_control = read::boolean(v); }},

    {"store.type", "lmdb | redis | cookie", "lmdb",
     "Where sessions live: lmdb (one instance), redis (replicas sharing sessions), cookie (sealed in the cookie "
     "itself, no server state).",
     [](Target& t, const Tree& v) {
         t.config.store.type = read::one_of<StoreType>(
             v, {{"lmdb", StoreType::Lmdb}, {"redis", StoreType::Redis}, {"cookie", StoreType::Cookie}});
     }},
    {"store.path", "path", "./data/sessions", "LMDB directory.",
     [](Target& t, const Tree& v) { t.config.store.path = read::text(v); }},
    {"store.durability", "fsync | os | none", "fsync",
     "fsync: a save is on disk before the response head goes out; os: the OS writes it later; none: no sync.",
     [](Target& t, const Tree& v) {
         t.config.store.durability = read::one_of<Durability>(
             v, {{"fsync", Durability::Fsync}, {"os", Durability::Os}, {"none", Durability::None}});
     }},
    {"store.url", "URL", "redis://127.0.0.1:6379/0",
     "Redis server of the redis store: redis://host:port/db, or rediss:// for TLS.",
     [](Target& t, const Tree& v) { t.config.store.url = redis_url(v); }},
    {"store.password_file", "path or null", "null",
     "File holding the Redis password (or SESSIONGATE_REDIS_PASSWORD), so no secret sits in the YAML.",
     [](Target& t, const Tree& v) { t.config.store.password_file = read::optional_text(v); }},
    {"store.key_prefix", "text", "\"sessiongate:\"",
     "Every Redis key of the store starts with it: several deployments can share one database.",
     [](Target& t, const Tree& v) { t.config.store.key_prefix = read::text(v); }},
    {"store.tls_ca_file", "path or null", "null",
     "For rediss://: CA bundle the Redis server's certificate is verified against; null = the system store.",
     [](Target& t, const Tree& v) { t.config.store.tls_ca_file = read::optional_text(v); }},
    {"store.tls_cert_file", "path or null", "null",
     "For rediss://: client certificate (PEM chain), for a Redis that requires one (tls-auth-clients).",
     [](Target& t, const Tree& v) { t.config.store.tls_cert_file = read::optional_text(v); }},
    {"store.tls_key_file", "path or null", "null", "For rediss://: the client certificate's private key (PEM).",
     [](Target& t, const Tree& v) { t.config.store.tls_key_file = read::optional_text(v); }},
    {"store.connections", "integer 0..64", "0",
     "Pipelined Redis connections, each with an I/O thread of its own; 0 = as many as threads.",
     [](Target& t, const Tree& v) { t.config.store.connections = static_cast<unsigned>(read::integer(v, 0, 64)); }},
    {"store.connect_timeout", "duration", "2s",
     "Connecting to Redis (TCP, TLS, AUTH and a PING answered); then retried with a growing delay. Each "
     "command waits at most timeouts.store.",
     [](Target& t, const Tree& v) { t.config.store.connect_timeout = read::duration(v, false); }},
    {"store.map_size", "size", "1GiB", "Initial LMDB map size.",
     [](Target& t, const Tree& v) { t.config.store.map_size = read::size(v, 1, no_size_limit); }},
    {"store.max_map_size", "size", "64GiB", "The LMDB map grows up to this size.",
     [](Target& t, const Tree& v) { t.config.store.max_map_size = read::size(v, 1, no_size_limit); }},
    {"store.sweep_interval", "duration", "60s", "How often expired sessions are deleted.",
     [](Target& t, const Tree& v) { t.config.store.sweep_interval = read::duration(v, false); }},
    {"store.commit_delay", "duration", "0s",
     "How long the LMDB writer waits to batch more writes into one commit; 0 = commit at once.",
     [](Target& t, const Tree& v) { t.config.store.commit_delay = read::duration(v, true); }},
    {"store.unavailable", "reject | anonymous", "reject",
     "When the store fails or times out: reject answers 503 with Retry-After; anonymous forwards the request "
     "without a session (X-Session-State: unavailable) and saves nothing.",
     [](Target& t, const Tree& v) {
         t.config.store.unavailable = read::one_of<StoreUnavailable>(
             v, {{"reject", StoreUnavailable::Reject}, {"anonymous", StoreUnavailable::Anonymous}});
     }},

    {"cookie.name", "cookie name", "sessionid",
     "Session cookie name; __Host- and __Secure- names are checked against the other cookie settings.",
     [](Target& t, const Tree& v) { t.config.cookie.name = read::token(v); }},
    {"cookie.age", "seconds", "1209600", "Idle expiry: a session ends this long after its last save.",
     [](Target& t, const Tree& v) { t.config.cookie.age = read::seconds(v, 1); }},
    {"cookie.domain", "host name or null", "null",
     "Cookie Domain attribute: a host name, a leading dot tolerated; null = this host only.",
     [](Target& t, const Tree& v) { t.config.cookie.domain = cookie_domain(v); }},
    {"cookie.path", "path", "/", "Cookie Path attribute.",
     [](Target& t, const Tree& v) { t.config.cookie.path = cookie_path(v); }},
    {"cookie.secure", "auto | true | false", "auto",
     "Cookie Secure attribute (sent over HTTPS only). auto: when the client's connection is TLS or a trusted "
     "proxy's X-Forwarded-Proto says https; __Host-/__Secure- names and SameSite None always get it.",
     [](Target& t, const Tree& v) { t.config.cookie.secure = cookie_secure(v); }},
    {"cookie.httponly", "boolean", "true", "Cookie HttpOnly attribute (hidden from scripts).",
     [](Target& t, const Tree& v) { t.config.cookie.httponly = read::boolean(v); }},
    {"cookie.samesite", "Strict | Lax | None", "Lax", "Cookie SameSite attribute; None always gets Secure.",
     [](Target& t, const Tree& v) {
         t.config.cookie.samesite = read::one_of<SameSite>(
             v, {{"Strict", SameSite::Strict}, {"Lax", SameSite::Lax}, {"None", SameSite::None}});
     }},
    {"cookie.expire_at_browser_close", "boolean", "false", "A browser-session cookie (no Max-Age/Expires).",
     [](Target& t, const Tree& v) { t.config.cookie.expire_at_browser_close = read::boolean(v); }},

    {"save_every_request", "boolean", "false", "Rolling expiry: every request extends the session.",
     [](Target& t, const Tree& v) { t.config.save_every_request = read::boolean(v); }},
    {"touch_interval", "seconds", "60",
     "Rolling expiry writes the store and re-sends the cookie at most this often; 0 = every request.",
     [](Target& t, const Tree& v) { t.config.touch_interval = read::seconds(v, 0); }},
    {"max_lifetime", "seconds", "0", "Absolute lifetime counted from creation; 0 = none.",
     [](Target& t, const Tree& v) { t.config.max_lifetime = read::seconds(v, 0); }},
    {"session_max_bytes", "size 256..1MiB", "16KiB", "Largest session JSON; a bigger update is refused.",
     [](Target& t, const Tree& v) { t.config.session_max_bytes = read::size(v, 256, 1 << 20); }},
    {"inject", "map: session key -> header", "{}",
     "Session values sent upstream as their own headers (member_id: X-Member-Id).",
     [](Target& t, const Tree& v) { t.config.inject = inject_map(v); }},

    {"tls.cert_file", "path or null", "null", "Listener certificate chain (PEM); TLS is on when set.",
     [](Target& t, const Tree& v) { t.config.tls.cert_file = read::optional_text(v); }},
    {"tls.key_file", "path or null", "null", "Listener private key (PEM), unencrypted.",
     [](Target& t, const Tree& v) { t.config.tls.key_file = read::optional_text(v); }},
    {"upstream_tls.ca_file", "path or null", "null", "CA bundle for an https:// upstream; null = the system store.",
     [](Target& t, const Tree& v) { t.config.upstream_tls.ca_file = read::optional_text(v); }},
    {"upstream_tls.verify", "boolean", "true", "Verify the upstream's certificate and host name.",
     [](Target& t, const Tree& v) { t.config.upstream_tls.verify = read::boolean(v); }},
    {"upstream_tls.cert_file", "path or null", "null",
     "Client certificate chain (PEM) shown to an upstream that requires mTLS.",
     [](Target& t, const Tree& v) { t.config.upstream_tls.cert_file = read::optional_text(v); }},
    {"upstream_tls.key_file", "path or null", "null", "Private key (PEM) of upstream_tls.cert_file, unencrypted.",
     [](Target& t, const Tree& v) { t.config.upstream_tls.key_file = read::optional_text(v); }},
    {"index", "list of strings", "[]",
     "Session keys indexed for lookup and revocation by the admin API and `sessions list --by` (lmdb, redis).",
     [](Target& t, const Tree& v) { t.config.index = read::text_list(v); }},
    {"admin_token_file", "path or null", "null",
     "File holding the bearer token of the admin session API (or SESSIONGATE_ADMIN_TOKEN); without one the API "
     "is off.",
     [](Target& t, const Tree& v) { t.config.admin_token_file = read::optional_text(v); }},

    {"trusted_proxies", "list of IPs or CIDRs", "[]",
     "Peers whose X-Forwarded-For is extended rather than replaced.",
     [](Target& t, const Tree& v) { t.config.trusted_proxies = address_list(v); }},
    {"strip_session_cookie", "boolean", "true", "Remove the session cookie from the Cookie header sent upstream.",
     [](Target& t, const Tree& v) { t.config.strip_session_cookie = read::boolean(v); }},
    {"preserve_host", "boolean", "true", "Send the client's Host upstream (false: the upstream's host:port).",
     [](Target& t, const Tree& v) { t.config.preserve_host = read::boolean(v); }},

    {"limits.max_request_header_bytes", "size", "32KiB", "Largest request head; larger gets 431.",
     [](Target& t, const Tree& v) { t.config.limits.max_request_header_bytes = read::size(v, 1, no_size_limit); }},
    {"limits.max_request_body_bytes", "size", "100MiB", "Largest request body; larger gets 413.",
     [](Target& t, const Tree& v) { t.config.limits.max_request_body_bytes = read::size(v, 1, no_size_limit); }},
    {"limits.max_response_header_bytes", "size", "64KiB",
     "Largest upstream response head; raised to 2 * session_max_bytes + 16KiB if lower.",
     [](Target& t, const Tree& v) { t.config.limits.max_response_header_bytes = read::size(v, 1, no_size_limit); }},

    {"timeouts.request_header", "duration", "10s", "To read a request head (slowloris).",
     [](Target& t, const Tree& v) { t.config.timeouts.request_header = read::duration(v, false); }},
    {"timeouts.request_body", "duration", "60s", "Between two reads of a request body.",
     [](Target& t, const Tree& v) { t.config.timeouts.request_body = read::duration(v, false); }},
    {"timeouts.keepalive", "duration", "75s", "An idle client connection is closed after this.",
     [](Target& t, const Tree& v) { t.config.timeouts.keepalive = read::duration(v, false); }},
    {"timeouts.upstream_connect", "duration", "5s", "To connect to the upstream.",
     [](Target& t, const Tree& v) { t.config.timeouts.upstream_connect = read::duration(v, false); }},
    {"timeouts.upstream_response", "duration", "60s", "From the request sent to the response head.",
     [](Target& t, const Tree& v) { t.config.timeouts.upstream_response = read::duration(v, false); }},
    {"timeouts.upstream_idle", "duration", "60s", "Between two reads of an upstream response body.",
     [](Target& t, const Tree& v) { t.config.timeouts.upstream_idle = read::duration(v, false); }},
    {"timeouts.tunnel_idle", "duration", "300s", "A WebSocket tunnel with no traffic either way for this long is closed.",
     [](Target& t, const Tree& v) { t.config.timeouts.tunnel_idle = read::duration(v, false); }},
    {"timeouts.drain", "duration", "10s", "On SIGTERM, how long in-flight requests may finish.",
     [](Target& t, const Tree& v) { t.config.timeouts.drain = read::duration(v, false); }},
    {"timeouts.store", "duration", "5s",
     "Each session store call (load or save); a store slower than this counts as failed (see store.unavailable).",
     [](Target& t, const Tree& v) { t.config.timeouts.store = read::duration(v, false); }},

    {"upstream_pool.max_idle_per_thread", "integer 0..65536", "64",
     "Idle keep-alive upstream connections kept per I/O thread.",
     [](Target& t, const Tree& v) {
         t.config.upstream_pool.max_idle_per_thread = static_cast<std::size_t>(read::integer(v, 0, 65536));
     }},
    {"upstream_pool.idle_timeout", "duration", "30s", "An idle upstream connection is closed after this.",
     [](Target& t, const Tree& v) { t.config.upstream_pool.idle_timeout = read::duration(v, false); }},

    {"routes", "list of routes", "[]", "Per path-prefix rules; the longest matching prefix wins.",
     [](Target& t, const Tree& v) {
         if (v.kind != Kind::Null && v.kind != Kind::List)
             read::fail(v, "must be a list of mappings with a prefix (got " + v.describe() + ")");
         t.config.routes.clear();
     },
     [](Target& t) { t.route = &t.config.routes.emplace_back(); }},
    {"routes[].prefix", "path", "(required)", "Request path prefix, starting with \"/\".",
     [](Target& t, const Tree& v) { t.route->prefix = url_path(v); }},
    {"routes[].sessions", "boolean", "true", "false: no session work at all (static assets, health checks).",
     [](Target& t, const Tree& v) { t.route->sessions = read::boolean(v); }},
    {"routes[].cookie_age", "seconds or null", "null", "cookie.age for this route; null = cookie.age.",
     [](Target& t, const Tree& v) { t.route->cookie_age = read::optional_seconds(v, 1); }},
    {"routes[].save_every_request", "boolean or null", "null",
     "save_every_request for this route; null = save_every_request.",
     [](Target& t, const Tree& v) { t.route->save_every_request = read::optional_boolean(v); }},
    {"routes[].max_lifetime", "seconds or null", "null", "max_lifetime for this route; null = max_lifetime.",
     [](Target& t, const Tree& v) { t.route->max_lifetime = read::optional_seconds(v, 0); }},

    {"routes[].csrf", "off | origin | token or null", "null",
     "csrf.mode for this route; null = csrf.mode (an API with its own token scheme can be off).",
     [](Target& t, const Tree& v) {
         if (v.kind == Kind::Null) t.route->csrf.reset();
         else t.route->csrf = csrf_mode(v);
     }},

    {"csrf.mode", "off | origin | token", "off",
     "CSRF protection of unsafe requests (not GET, HEAD, OPTIONS, TRACE): origin refuses cross-site ones by "
     "Origin and Sec-Fetch-Site; token also requires the session's token (X-CSRFToken or csrfmiddlewaretoken).",
     [](Target& t, const Tree& v) { t.config.csrf.mode = csrf_mode(v); }},
    {"csrf.trusted_origins", "list of origins", "[]",
     "Origins whose unsafe requests pass the origin check (https://app.example.com); Unicode hosts allowed.",
     [](Target& t, const Tree& v) { t.config.csrf.trusted_origins = origin_list(v); }},
    {"csrf.max_form_bytes", "size 1KiB..64MiB", "1MiB",
     "How much of a form body is read for its csrfmiddlewaretoken before it is forwarded; a token after it "
     "is refused.",
     [](Target& t, const Tree& v) {
         t.config.csrf.max_form_bytes = static_cast<std::size_t>(read::size(v, 1024, 64ull << 20));
     }},
    {"csrf.login_key", "session key", "member_id",
     "A cycle whose updates set this key to a new value is a login: it rotates the session's CSRF secret.",
     [](Target& t, const Tree& v) { t.config.csrf.login_key = read::text(v); }},

    {"log.level", "debug | info | warn | error", "info",
     "Least severe level written; above info, the listening line is not written either.",
     [](Target& t, const Tree& v) {
         t.config.log.level = read::one_of<LogLevel>(v, {{"debug", LogLevel::Debug},
                                                         {"info", LogLevel::Info},
                                                         {"warn", LogLevel::Warn},
                                                         {"error", LogLevel::Error}});
     }},
    {"log.access", "boolean", "true", "One JSON line per request on stdout.",
     [](Target& t, const Tree& v) { t.config.log.access = read::boolean(v); }},
    {"log.query", "boolean", "false",
     "Keep the query string in the access log's path (it may carry tokens, so it is left out by default).",
     [](Target& t, const Tree& v) { t.config.log.query = read::boolean(v); }},
};

std::string_view parent_of(std::string_view path) {
    auto dot = path.rfind('.');
    return dot == std::string_view::npos ? std::string_view{} : path.substr(0, dot);
}

}  // namespace

std::span<const Setting> settings() { return table; }

const Setting* find_setting(std::string_view path) {
    for (const Setting& setting : table)
        if (setting.path == path) return &setting;
    return nullptr;
}

bool is_section(std::string_view path) {
    if (path.empty()) return true;
    return std::any_of(std::begin(table), std::end(table), [&](const Setting& setting) {
        return setting.path.size() > path.size() && setting.path.starts_with(path) && setting.path[path.size()] == '.';
    });
}

std::vector<std::string> names_under(std::string_view section) {
    std::set<std::string> names;
    for (const Setting& setting : table) {
        // Walk up from the setting so sections count as names too.
        for (std::string_view path = setting.path; !path.empty(); path = parent_of(path)) {
            if (parent_of(path) == section) {
                std::string_view name = section.empty() ? path : path.substr(section.size() + 1);
                if (!name.ends_with("[]")) names.emplace(name);
                else names.emplace(name.substr(0, name.size() - 2));
            }
        }
    }
    return {names.begin(), names.end()};
}

std::string environment_name(std::string_view path) {
    std::string name = "SESSIONGATE_";
    for (char c : path) name += c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return name;
}

std::string flag_name(std::string_view path) {
    std::string name = "--";
    for (char c : path) name += (c == '.' || c == '_') ? '-' : c;
    return name;
}

}  // namespace sessiongate::config
