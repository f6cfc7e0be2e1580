#include "session/session_cookie.hpp"

#include "base/http_text.hpp"
#include "session/cookie_header.hpp"

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

/// Browsers refuse `__Secure-` and `__Host-` cookies, and SameSite=None,
/// without Secure.
bool needs_secure(const config::CookieSettings& cookie) {
    return cookie.name.starts_with("__Secure-") || cookie.name.starts_with("__Host-") ||
           cookie.samesite == config::SameSite::None;
}

}  // namespace

CookieLookup find_session_cookie(const std::vector<std::string_view>& cookie_headers, std::string_view name) {
    for (const auto header : cookie_headers) {
        for (const auto& pair : parse_cookie_header(header)) {
            if (pair.name != name) continue;
            // The first one wins: browsers send the most specific path first.
            if (pair.value.empty() || pair.value.size() > max_cookie_value_bytes)
                return {CookieLookup::Kind::Malformed, {}};
            return {CookieLookup::Kind::Present, std::string(pair.value)};
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

std::string_view set_cookie_name(std::string_view set_cookie) {
    const auto pair = set_cookie.substr(0, set_cookie.find(';'));
    const auto equals = pair.find('=');
    if (equals == std::string_view::npos) return {};  // no name: browsers ignore it
    return text::trim_whitespace(pair.substr(0, equals));
}

// Attributes in the order Django (Python's http.cookies) writes them.
std::string format_session_cookie(const config::CookieSettings& cookie, std::string_view value,
                                  std::optional<std::int64_t> max_age, std::int64_t now, bool secure) {
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
    if (secure || needs_secure(cookie)) text += "; Secure";
    return text;
}

// As Django's delete_cookie: `name=""`, no HttpOnly; Secure as when set, so
// a SameSite=None or prefixed cookie is still accepted.
std::string format_deletion_cookie(const config::CookieSettings& cookie, bool secure) {
    std::string text = cookie.name + "=\"\"";
    if (cookie.domain) text += "; Domain=" + *cookie.domain;
    text += "; expires=";
    text += epoch_date;
    text += "; Max-Age=0; Path=" + cookie.path;
    text += "; SameSite=";
    text += samesite_text(cookie.samesite);
    if (secure || needs_secure(cookie)) text += "; Secure";
    return text;
}

}  // namespace sessiongate::session
