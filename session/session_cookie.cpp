// The session cookie: finding it in requests, hiding it from the upstream,
// and the Set-Cookie values that set and delete it.
#include "session/session_filter.hpp"

#include "session/cookie_header.hpp"
#include "session/session_id.hpp"

#include <algorithm>

namespace sessiongate::session {

namespace {

constexpr std::string_view epoch_date = "Thu, 01 Jan 1970 00:00:00 GMT";

std::string_view samesite_text(config::SameSite samesite) {
    switch (samesite) {
        case config::SameSite::Strict: return "Strict";
        case config::SameSite::Lax: return "Lax";
        case config::SameSite::None: return "None";
    }
    return "Lax";
}

/// Browsers refuse `__Secure-` and `__Host-` cookies without Secure.
bool needs_secure(const config::CookieSettings& cookie) {
    return cookie.secure || cookie.name.starts_with("__Secure-") || cookie.name.starts_with("__Host-");
}

}  // namespace

CookieLookup find_session_cookie(const std::vector<std::string_view>& cookie_headers, std::string_view name) {
    for (const auto header : cookie_headers) {
        for (const auto& pair : parse_cookie_header(header)) {
            if (pair.name != name) continue;
            // The first one wins: browsers send the most specific path first.
            if (!is_well_formed_session_id(pair.value)) return {CookieLookup::Kind::Malformed, {}};
            return {CookieLookup::Kind::WellFormed, std::string(pair.value)};
        }
    }
    return {};
}

std::string remove_cookie(std::string_view cookie_header, std::string_view name) {
    std::string kept;
    for (const auto& pair : parse_cookie_header(cookie_header)) {
        if (pair.name == name) continue;  // every copy: the upstream never sees the id
        if (!kept.empty()) kept += "; ";
        kept += pair.text;
    }
    return kept;
}

// Attributes in the order Django (Python's http.cookies) writes them.
std::string format_session_cookie(const config::CookieSettings& cookie,
                                  std::string_view value,
                                  std::optional<std::int64_t> max_age,
                                  std::int64_t now) {
    std::optional<std::int64_t> seconds;
    if (max_age) seconds = std::max<std::int64_t>(*max_age, 0);
    std::string text = cookie.name + "=" + std::string(value);
    if (cookie.domain) text += "; Domain=" + *cookie.domain;
    // Both, as Django: Max-Age for current browsers, expires for old ones.
    if (seconds) text += "; expires=" + http_date(now + *seconds);
    if (cookie.httponly) text += "; HttpOnly";
    if (seconds) {
        text += "; Max-Age=";
        text += std::to_string(*seconds);
    }
    text += "; Path=" + cookie.path;
    text += "; SameSite=";
    text += samesite_text(cookie.samesite);
    if (needs_secure(cookie)) text += "; Secure";
    return text;
}

// As Django's delete_cookie: `name=""`, no HttpOnly; Secure kept as
// configured so a SameSite=None or prefixed cookie is still accepted.
std::string format_deletion_cookie(const config::CookieSettings& cookie) {
    std::string text = cookie.name + "=\"\"";
    if (cookie.domain) text += "; Domain=" + *cookie.domain;
    text += "; expires=";
    text += epoch_date;
    text += "; Max-Age=0; Path=" + cookie.path;
    text += "; SameSite=";
    text += samesite_text(cookie.samesite);
    if (needs_secure(cookie)) text += "; Secure";
    return text;
}

}  // namespace sessiongate::session
