#include "config/web_origin.hpp"

#include "base/http_text.hpp"

#include <idn2.h>

#include <algorithm>
#include <cstdlib>
#include <memory>

namespace sessiongate::config {
namespace {

bool is_host_name_char(char c) { return text::is_alpha(c) || text::is_digit(c) || c == '-' || c == '.'; }

bool is_ipv6_literal_char(char c) {
    return text::is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' || c == '.';
}

std::optional<std::uint16_t> parse_port(std::string_view digits) {
    if (digits.empty() || digits.size() > 5) return std::nullopt;
    unsigned value = 0;
    for (char c : digits) {
        if (!text::is_digit(c)) return std::nullopt;
        value = value * 10 + static_cast<unsigned>(c - '0');
    }
    if (value == 0 || value > 65535) return std::nullopt;
    return static_cast<std::uint16_t>(value);
}

std::string lower(std::string_view text) {
    std::string out(text);
    for (char& c : out) c = text::ascii_lower(c);
    return out;
}

// host[:port] after the scheme, checked and split.
std::optional<WebOrigin> with_authority(std::string scheme, std::string_view authority) {
    const auto port_by_default = default_port(scheme);
    WebOrigin origin{std::move(scheme), {}, port_by_default};
    std::string_view host = authority;
    std::string_view port;
    if (authority.starts_with('[')) {
        const auto close = authority.find(']');
        if (close == std::string_view::npos || close < 3) return std::nullopt;
        host = authority.substr(0, close + 1);
        for (char c : host.substr(1, host.size() - 2))
            if (!is_ipv6_literal_char(c)) return std::nullopt;
        const auto rest = authority.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') return std::nullopt;
            port = rest.substr(1);
            if (port.empty()) return std::nullopt;
        }
    } else {
        const auto colon = authority.rfind(':');
        if (colon != std::string_view::npos) {
            host = authority.substr(0, colon);
            port = authority.substr(colon + 1);
            if (port.empty()) return std::nullopt;
        }
        if (host.empty() || host.front() == '.' || host.find("..") != std::string_view::npos) return std::nullopt;
        for (char c : host)
            if (!is_host_name_char(c)) return std::nullopt;
    }
    if (!port.empty()) {
        const auto number = parse_port(port);
        if (!number) return std::nullopt;
        origin.port = *number;
    }
    origin.host = lower(host);
    return origin;
}

std::optional<std::string> scheme_of(std::string_view& text) {
    const auto sep = text.find("://");
    if (sep == std::string_view::npos) return std::nullopt;
    auto scheme = lower(text.substr(0, sep));
    if (default_port(scheme) == 0) return std::nullopt;
    text.remove_prefix(sep + 3);
    return scheme;
}

}  // namespace

std::string WebOrigin::text() const { return scheme + "://" + host + ":" + std::to_string(port); }

std::uint16_t default_port(std::string_view scheme) {
    if (scheme == "http") return 80;
    if (scheme == "https") return 443;
    return 0;
}

std::optional<WebOrigin> parse_origin(std::string_view text) {
    auto scheme = scheme_of(text);
    if (!scheme || text.empty()) return std::nullopt;
    return with_authority(std::move(*scheme), text);
}

std::optional<WebOrigin> origin_of_host(std::string_view scheme, std::string_view host) {
    if (default_port(lower(scheme)) == 0 || host.empty()) return std::nullopt;
    return with_authority(lower(scheme), host);
}

std::optional<WebOrigin> parse_configured_origin(std::string_view text) {
    auto scheme = scheme_of(text);
    if (!scheme || text.empty()) return std::nullopt;
    if (text.ends_with('/')) text.remove_suffix(1);  // "https://app.example/" names the same origin
    std::string authority(text);
    const bool ascii = std::all_of(authority.begin(), authority.end(), [](char c) { return (c & 0x80) == 0; });
    if (!ascii && !authority.starts_with('[')) {
        // Only the host part goes through IDNA; a port stays as written.
        const auto colon = authority.rfind(':');
        const std::string host = authority.substr(0, colon);
        char* converted = nullptr;
        if (idn2_to_ascii_8z(host.c_str(), &converted, IDN2_NONTRANSITIONAL) != IDN2_OK) return std::nullopt;
        std::unique_ptr<char, decltype(&std::free)> owned(converted, &std::free);
        authority = converted + (colon == std::string::npos ? std::string() : authority.substr(colon));
    }
    return with_authority(std::move(*scheme), authority);
}

}  // namespace sessiongate::config
