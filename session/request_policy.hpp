// The session settings in force for one request: the config with the route
// of its path applied.
#pragma once

#include "config/config.hpp"
#include "session/session_write.hpp"

#include <cstdint>
#include <string_view>

namespace sessiongate::session {

struct RequestPolicy {
    bool sessions = true;  // false: the route switched sessions off
    config::CookieSettings cookie;
    bool save_every_request = false;
    std::int64_t touch_interval = 60;
    ExpiryPolicy expiry;
    config::CsrfMode csrf = config::CsrfMode::Off;
};

/// The policy for a request path (query string removed): the longest
/// matching route's overrides over the config.
RequestPolicy policy_for(const config::Config& config, std::string_view path);

}  // namespace sessiongate::session
