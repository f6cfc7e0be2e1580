#include "proxy/session_headers.hpp"

#include "base/http_text.hpp"
#include "session/cache_control.hpp"
#include "session/control_headers.hpp"
#include "session/upstream_headers.hpp"

#include <algorithm>

namespace sessiongate::proxy {
namespace {

/// Every value of `field`, joined with ", " (a list header's meaning).
std::string joined(const http::fields& fields, http::field field) {
    std::string text;
    for (auto range = fields.equal_range(field); range.first != range.second; ++range.first) {
        if (!text.empty()) text += ", ";
        text.append(range.first->value());
    }
    return text;
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

session::RequestHead session_request_head(const http::fields& fields, std::string_view method, std::string_view path,
                                          bool tls, bool peer_trusted) {
    session::RequestHead head;
    head.path = path;
    head.tls = tls;
    head.method = method;
    for (auto range = fields.equal_range(http::field::cookie); range.first != range.second; ++range.first)
        head.cookie_headers.push_back(range.first->value());
    if (peer_trusted) {
        auto proto = fields.find("x-forwarded-proto");
        if (proto != fields.end()) head.trusted_forwarded_proto = proto->value();
        auto host = fields.find("x-forwarded-host");
        if (host != fields.end()) head.trusted_forwarded_host = host->value();
    }
    auto value_of = [&](std::string_view name) -> std::optional<std::string_view> {
        auto found = fields.find(name);
        if (found == fields.end()) return std::nullopt;
        return found->value();
    };
    head.host = fields[http::field::host];
    head.origin = value_of("origin");
    head.sec_fetch_site = value_of("sec-fetch-site");
    head.csrf_token = value_of("x-csrftoken");
    // The media type alone, whatever parameters follow (charset).
    const auto type = fields[http::field::content_type];
    head.form_body = text::equals_ignoring_case(text::trim_whitespace(type.substr(0, type.find(';'))),
                                                "application/x-www-form-urlencoded");
    return head;
}

void replace_cookie_headers(http::fields& fields, const std::optional<std::string>& cookie_header) {
    if (!cookie_header) return;
    fields.erase(http::field::cookie);
    if (!cookie_header->empty()) fields.set(http::field::cookie, *cookie_header);
}

void add_headers(http::fields& fields, const std::vector<session::Header>& headers) {
    for (const auto& [name, value] : headers) fields.insert(name, value);
}

std::vector<std::pair<std::string, std::string>> take_control_headers(http::fields& fields, std::string_view prefix) {
    std::vector<std::pair<std::string, std::string>> found;
    for (auto it = fields.begin(); it != fields.end();) {
        if (session::is_control_header(prefix, it->name_string())) {
            found.emplace_back(it->name_string(), it->value());
            it = fields.erase(it);
        } else {
            ++it;
        }
    }
    return found;
}

session::ResponseHead session_response_head(const http::fields& fields, unsigned status,
                                            const std::vector<std::pair<std::string, std::string>>& control) {
    session::ResponseHead head;
    head.status = status;
    head.control_headers.assign(control.begin(), control.end());
    for (auto range = fields.equal_range(http::field::set_cookie); range.first != range.second; ++range.first)
        head.set_cookies.push_back(range.first->value());
    return head;
}

void drop_set_cookies(http::fields& fields, const std::vector<std::size_t>& indexes) {
    if (indexes.empty()) return;
    std::size_t index = 0;
    for (auto it = fields.begin(); it != fields.end();) {
        if (it->name() != http::field::set_cookie) {
            ++it;
            continue;
        }
        const bool drop = std::find(indexes.begin(), indexes.end(), index++) != indexes.end();
        it = drop ? fields.erase(it) : std::next(it);
    }
}

void add_session_response_headers(http::fields& fields, const session::ResponseDecision& decision) {
    if (decision.vary_cookie && !session::vary_covers_cookie(joined(fields, http::field::vary)))
        fields.insert(http::field::vary, "Cookie");
    for (const auto& cookie : decision.set_cookies) fields.insert(http::field::set_cookie, cookie);
    if (!decision.private_cache) return;
    if (auto value = session::private_cache_control(joined(fields, http::field::cache_control))) {
        fields.erase(http::field::cache_control);
        fields.set(http::field::cache_control, *value);
    }
}

}  // namespace sessiongate::proxy
