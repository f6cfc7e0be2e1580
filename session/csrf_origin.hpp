// The origin check of csrf.mode origin and token: whether an unsafe request
// may have come from a page of another site. Pure, no sockets.
//
//   safe method (GET, HEAD, OPTIONS, TRACE)          pass
//   Origin one of csrf.trusted_origins               pass
//   Sec-Fetch-Site present                           pass when same-origin or none
//   Origin present (no Sec-Fetch-Site)               pass when it is the request's own
//                                                    origin; "null" never is
//   neither header (a non-browser client)            pass
#pragma once

#include "config/web_origin.hpp"

#include <optional>
#include <string_view>
#include <vector>

namespace sessiongate::session {

/// What the origin check reads of a request.
struct OriginFacts {
    std::string_view method;
    std::optional<std::string_view> origin;          // the Origin header
    std::optional<std::string_view> sec_fetch_site;  // the Sec-Fetch-Site header
    /// How the client addressed the request: "http" or "https" and the Host
    /// value, through trusted proxies (X-Forwarded-Proto / -Host).
    std::string_view scheme;
    std::string_view host;
};

/// GET, HEAD, OPTIONS and TRACE: methods that must not change anything
/// (RFC 9110 9.2.1), so a forged one does no harm.
bool is_safe_method(std::string_view method);

/// True when the request passes the origin check (see above).
bool passes_origin_check(const OriginFacts& request, const std::vector<config::WebOrigin>& trusted_origins);

}  // namespace sessiongate::session
