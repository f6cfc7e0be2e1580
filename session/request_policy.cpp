#include "session/request_policy.hpp"

namespace sessiongate::session {

RequestPolicy policy_for(const config::Config& config, std::string_view path) {
    RequestPolicy policy;
    policy.cookie = config.cookie;
    policy.save_every_request = config.save_every_request;
    policy.touch_interval = config.touch_interval;
    policy.expiry.age = config.cookie.age;
    policy.expiry.max_lifetime = config.max_lifetime;
    policy.csrf = config.csrf.mode;
    if (const auto* route = config.route_for(path)) {
        policy.sessions = route->sessions;
        if (route->cookie_age) {
            policy.cookie.age = *route->cookie_age;
            policy.expiry.age = *route->cookie_age;
        }
        if (route->save_every_request) policy.save_every_request = *route->save_every_request;
        if (route->max_lifetime) policy.expiry.max_lifetime = *route->max_lifetime;
        if (route->csrf) policy.csrf = *route->csrf;
    }
    return policy;
}

}  // namespace sessiongate::session
