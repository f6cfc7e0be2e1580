#include "config/reload.hpp"

namespace sessiongate::config {
namespace {

// One setting fixed at start: whether two configs differ in it, and how to
// put the running value back.
struct FixedSetting {
    const char* key;
    bool (*differs)(const Config&, const Config&);
    void (*keep)(const Config& running, Config& next);
};

#define SESSIONGATE_FIXED(key, member) \
    {key, [](const Config& a, const Config& b) { return !(a.member == b.member); }, \
     [](const Config& running, Config& next) { next.member = running.member; }}

const FixedSetting fixed_settings[] = {
    SESSIONGATE_FIXED("listen", listen),
    SESSIONGATE_FIXED("admin", admin),
    SESSIONGATE_FIXED("threads", threads),
    SESSIONGATE_FIXED("secret_key_file", secret_key_file),
    SESSIONGATE_FIXED("index", index),
    SESSIONGATE_FIXED("admin_token_file", admin_token_file),
    SESSIONGATE_FIXED("store.type", store.type),
    SESSIONGATE_FIXED("store.path", store.path),
    SESSIONGATE_FIXED("store.durability", store.durability),
    SESSIONGATE_FIXED("store.url", store.url),
    SESSIONGATE_FIXED("store.password_file", store.password_file),
    SESSIONGATE_FIXED("store.key_prefix", store.key_prefix),
    SESSIONGATE_FIXED("store.tls_ca_file", store.tls_ca_file),
    SESSIONGATE_FIXED("store.tls_cert_file", store.tls_cert_file),
    SESSIONGATE_FIXED("store.tls_key_file", store.tls_key_file),
    SESSIONGATE_FIXED("store.connections", store.connections),
    SESSIONGATE_FIXED("store.connect_timeout", store.connect_timeout),
    SESSIONGATE_FIXED("store.map_size", store.map_size),
    SESSIONGATE_FIXED("store.max_map_size", store.max_map_size),
    SESSIONGATE_FIXED("store.sweep_interval", store.sweep_interval),
    SESSIONGATE_FIXED("store.commit_delay", store.commit_delay),
    SESSIONGATE_FIXED("store.unavailable", store.unavailable),
};

#undef SESSIONGATE_FIXED

}  // namespace

bool needs_restart(std::string_view key) {
    return key == "listen" || key == "admin" || key == "threads" || key == "secret_key_file" || key == "index" ||
           key == "admin_token_file" || key.starts_with("store.");
}

Reload plan_reload(const Config& running, const Config& next) {
    Reload reload;
    Config applied = next;
    for (const FixedSetting& setting : fixed_settings) {
        if (!setting.differs(running, next)) continue;
        reload.restart_required.emplace_back(setting.key);
        setting.keep(running, applied);
    }
    // A store setting added later without a line above is still kept, and
    // named by its section.
    if (!(applied.store == running.store)) {
        reload.restart_required.emplace_back("store");
        applied.store = running.store;
    }
    reload.config = std::make_shared<const Config>(std::move(applied));
    return reload;
}

}  // namespace sessiongate::config
