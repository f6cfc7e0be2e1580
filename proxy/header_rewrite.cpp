#include "proxy/header_rewrite.hpp"

#include "base/http_text.hpp"

#include <boost/beast/http/rfc7230.hpp>

#include <algorithm>
#include <string>
#include <vector>

namespace sessiongate::proxy {
namespace {

constexpr auto iequals = text::equals_ignoring_case;

bool token_list_has(std::string_view value, std::string_view token) {
    for (auto item : http::token_list{value})
        if (iequals(item, token)) return true;
    return false;
}

bool is_protected(std::string_view name) {
    return iequals(name, "content-length") || iequals(name, "host") ||
           iequals(name, "transfer-encoding");
}

}  // namespace

bool is_websocket_upgrade(const http::fields& fields) {
    bool connection_upgrade = false;
    for (auto range = fields.equal_range(http::field::connection); range.first != range.second;
         ++range.first)
        connection_upgrade = connection_upgrade || token_list_has(range.first->value(), "upgrade");
    if (!connection_upgrade) return false;
    for (auto range = fields.equal_range(http::field::upgrade); range.first != range.second;
         ++range.first)
        if (token_list_has(range.first->value(), "websocket")) return true;
    return false;
}

void remove_hop_by_hop(http::fields& fields, bool keep_upgrade) {
    std::vector<std::string> upgrade;  // every Upgrade header, in order
    if (keep_upgrade)
        for (auto range = fields.equal_range(http::field::upgrade); range.first != range.second;
             ++range.first)
            upgrade.emplace_back(range.first->value());

    // Names listed in Connection are collected first: erasing invalidates views.
    std::vector<std::string> named;
    for (auto range = fields.equal_range(http::field::connection); range.first != range.second;
         ++range.first)
        for (auto item : http::token_list{range.first->value()})
            if (!is_protected(item)) named.emplace_back(item);
    for (const auto& name : named) fields.erase(name);

    static constexpr http::field hop_by_hop[] = {
        http::field::connection,         http::field::keep_alive,
        http::field::proxy_connection,   http::field::te,
        http::field::trailer,            http::field::transfer_encoding,
        http::field::upgrade,            http::field::proxy_authorization,
        http::field::proxy_authenticate,
    };
    for (auto field : hop_by_hop) fields.erase(field);

    if (!upgrade.empty()) {
        for (const auto& offer : upgrade) fields.insert(http::field::upgrade, offer);
        fields.set(http::field::connection, "Upgrade");
    }
}

void set_forwarded_headers(http::fields& fields, const ForwardedFor& forwarded) {
    std::string xff;
    if (forwarded.peer_trusted) {
        for (auto range = fields.equal_range("x-forwarded-for"); range.first != range.second;
             ++range.first) {
            if (!xff.empty()) xff += ", ";
            xff.append(range.first->value());
        }
    }
    if (!xff.empty()) xff += ", ";
    xff.append(forwarded.peer_ip);
    fields.erase("x-forwarded-for");
    fields.set("X-Forwarded-For", xff);

    if (!forwarded.peer_trusted || fields.find("x-forwarded-proto") == fields.end())
        fields.set("X-Forwarded-Proto", forwarded.proto);
    if (!forwarded.peer_trusted || fields.find("x-forwarded-host") == fields.end()) {
        auto host = fields[http::field::host];
        if (host.empty()) fields.erase("x-forwarded-host");
        else fields.set("X-Forwarded-Host", std::string(host));
    }
    if (!forwarded.peer_trusted) fields.erase(http::field::forwarded);
}

}  // namespace sessiongate::proxy
