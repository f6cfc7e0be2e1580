#include "proxy/session_headers.hpp"

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/rfc7230.hpp>

namespace sessiongate::proxy {
namespace {

// The directives of a Cache-Control list, trimmed; commas inside quoted
// arguments (no-cache="a, b") do not split.
std::vector<std::string_view> cache_directives(std::string_view list) {
    std::vector<std::string_view> directives;
    bool quoted = false;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= list.size(); ++i) {
        if (i < list.size() && list[i] == '"') quoted = !quoted;
        if (i < list.size() && (quoted || list[i] != ',')) continue;
        auto item = list.substr(start, i - start);
        while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
        while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
        if (!item.empty()) directives.push_back(item);
        start = i + 1;
    }
    return directives;
}

}  // namespace

void strip_reserved_request_headers(http::fields& fields, const config::Config& config) {
    for (auto it = fields.begin(); it != fields.end();) {
        if (session::is_reserved_request_header(config, it->name_string()))
            it = fields.erase(it);
        else
            ++it;
    }
}

session::CookieLookup take_session_cookie(http::fields& fields, const config::Config& config) {
    std::vector<std::string_view> headers;
    for (auto range = fields.equal_range(http::field::cookie); range.first != range.second;
         ++range.first)
        headers.push_back(range.first->value());
    auto lookup = session::find_session_cookie(headers, config.cookie.name);
    if (!config.strip_session_cookie || headers.empty()) return lookup;

    // Rebuild one Cookie header from what is left (RFC 9113 8.2.3 joins with "; ").
    std::string rest;
    for (auto header : headers) {
        auto kept = session::remove_cookie(header, config.cookie.name);
        if (kept.empty()) continue;
        if (!rest.empty()) rest += "; ";
        rest += kept;
    }
    fields.erase(http::field::cookie);
    if (!rest.empty()) fields.set(http::field::cookie, rest);
    return lookup;
}

void add_session_headers(http::fields& fields, const config::Config& config,
                         const session::RequestSession& session) {
    for (auto& [name, value] : session::upstream_session_headers(config, session))
        fields.insert(name, value);
}

session::ControlHeaders take_control_headers(http::fields& fields, std::string_view prefix) {
    std::vector<std::pair<std::string, std::string>> found;
    for (auto it = fields.begin(); it != fields.end();) {
        if (session::is_control_header(prefix, it->name_string())) {
            found.emplace_back(it->name_string(), it->value());
            it = fields.erase(it);
        } else {
            ++it;
        }
    }
    if (found.empty()) return {};
    std::vector<std::pair<std::string_view, std::string_view>> views(found.begin(), found.end());
    return session::parse_control_headers(prefix, views);
}

void add_session_response_headers(http::fields& fields, const std::vector<std::string>& set_cookies) {
    bool vary_cookie = false;
    for (auto range = fields.equal_range(http::field::vary); range.first != range.second;
         ++range.first)
        for (auto item : http::token_list{range.first->value()})
            vary_cookie = vary_cookie || boost::beast::iequals(item, "cookie") || item == "*";
    if (!vary_cookie) fields.insert(http::field::vary, "Cookie");

    if (set_cookies.empty()) return;
    for (const auto& cookie : set_cookies) fields.insert(http::field::set_cookie, cookie);
    std::string cache_control;
    for (auto range = fields.equal_range(http::field::cache_control); range.first != range.second;
         ++range.first) {
        if (!cache_control.empty()) cache_control += ", ";
        cache_control.append(range.first->value());
    }
    if (session::cache_control_is_private(cache_control)) return;
    // `public` would contradict `private`: it goes, the other directives stay.
    std::string directives = "private";
    for (auto item : cache_directives(cache_control)) {
        if (boost::beast::iequals(item, "public")) continue;
        directives += ", ";
        directives.append(item);
    }
    fields.erase(http::field::cache_control);
    fields.set(http::field::cache_control, directives);
}

}  // namespace sessiongate::proxy
