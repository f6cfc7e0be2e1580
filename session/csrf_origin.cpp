#include "session/csrf_origin.hpp"

#include "base/http_text.hpp"

#include <algorithm>

namespace sessiongate::session {

bool is_safe_method(std::string_view method) {
    // Methods are case-sensitive (RFC 9110 9.1): "get" is not GET.
    return method == "GET" || method == "HEAD" || method == "OPTIONS" || method == "TRACE";
}

bool passes_origin_check(const OriginFacts& request, const std::vector<config::WebOrigin>& trusted_origins) {
    if (is_safe_method(request.method)) return true;
    const auto origin = request.origin ? config::parse_origin(text::trim_whitespace(*request.origin)) : std::nullopt;
    // Trusting an origin means its pages may post here, whatever
    // Sec-Fetch-Site says of them.
    if (origin && std::find(trusted_origins.begin(), trusted_origins.end(), *origin) != trusted_origins.end())
        return true;
    if (request.sec_fetch_site) {
        const auto site = text::trim_whitespace(*request.sec_fetch_site);
        return text::equals_ignoring_case(site, "same-origin") || text::equals_ignoring_case(site, "none");
    }
    if (request.origin) {
        // "null" (a sandboxed frame, a data: URL, a redirect across origins)
        // and anything unreadable name no origin: never our own.
        if (!origin) return false;
        const auto own = config::origin_of_host(request.scheme, text::trim_whitespace(request.host));
        return own && *own == *origin;
    }
    return true;  // neither header: not a browser, so no ambient cookie to abuse
}

}  // namespace sessiongate::session
