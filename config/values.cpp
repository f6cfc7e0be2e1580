#include "config/values.hpp"

#include "base/http_text.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>
#include <string>

namespace sessiongate::config {
namespace {

using text::equals_ignoring_case;

// Values from YAML, the environment and flags: surrounding blanks do not count.
constexpr std::string_view trim(std::string_view text) { return text::trim_blanks(text); }

std::optional<std::uint16_t> parse_port(std::string_view text) {
    if (text.empty() || text.size() > 5 ||
        !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return std::nullopt;
    unsigned value = 0;
    std::from_chars(text.data(), text.data() + text.size(), value);
    if (value > 65535) return std::nullopt;
    return static_cast<std::uint16_t>(value);
}

bool is_ipv6(std::string_view text) {
    in6_addr address{};
    return inet_pton(AF_INET6, std::string(text).c_str(), &address) == 1;
}

bool is_ipv4(std::string_view text) {
    in_addr address{};
    return inet_pton(AF_INET, std::string(text).c_str(), &address) == 1;
}

// A DNS name or an IPv4 address: letters, digits, '-', '.', '_' (some
// container hostnames use it); no empty label.
bool is_hostname(std::string_view text) {
    if (text.empty() || text.size() > 253 || text.front() == '.' || text.back() == '-') return false;
    if (text.find("..") != std::string_view::npos) return false;
    return std::all_of(text.begin(), text.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
    });
}

// "host:port" -> host (brackets removed) and port text; nullopt when the
// shape is wrong.
std::optional<std::pair<std::string, std::string_view>> split_host_port(std::string_view text,
                                                                       bool port_optional) {
    std::string host;
    std::string_view rest;
    if (!text.empty() && text.front() == '[') {
        auto close = text.find(']');
        if (close == std::string_view::npos) return std::nullopt;
        host = std::string(text.substr(1, close - 1));
        if (!is_ipv6(host)) return std::nullopt;
        rest = text.substr(close + 1);
    } else {
        auto colon = text.find(':');
        host = std::string(text.substr(0, colon));
        if (!is_hostname(host)) return std::nullopt;
        rest = colon == std::string_view::npos ? std::string_view{} : text.substr(colon);
    }
    if (rest.empty()) {
        if (!port_optional) return std::nullopt;
        return std::pair{host, std::string_view{}};
    }
    if (rest.front() != ':') return std::nullopt;
    return std::pair{host, rest.substr(1)};
}

}  // namespace

std::optional<std::int64_t> parse_integer(std::string_view text) {
    text = trim(text);
    if (!text.empty() && text.front() == '+') text.remove_prefix(1);
    std::int64_t value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || error != std::errc{} || end != text.data() + text.size()) return std::nullopt;
    return value;
}

std::optional<bool> parse_bool(std::string_view text) {
    text = trim(text);
    for (std::string_view yes : {"true", "yes", "on"})
        if (equals_ignoring_case(text, yes)) return true;
    for (std::string_view no : {"false", "no", "off"})
        if (equals_ignoring_case(text, no)) return false;
    return std::nullopt;
}

std::optional<std::uint64_t> parse_size(std::string_view text) {
    text = trim(text);
    std::size_t digits = 0;
    while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
    if (digits == 0 || digits > 19) return std::nullopt;
    std::uint64_t number = 0;
    std::from_chars(text.data(), text.data() + digits, number);
    std::string_view unit = trim(text.substr(digits));
    int shift = 0;
    if (unit.empty() || unit == "B") shift = 0;
    else if (unit == "KiB") shift = 10;
    else if (unit == "MiB") shift = 20;
    else if (unit == "GiB") shift = 30;
    else if (unit == "TiB") shift = 40;
    else return std::nullopt;
    if (number > (std::numeric_limits<std::uint64_t>::max() >> shift)) return std::nullopt;
    return number << shift;
}

std::optional<Duration> parse_duration(std::string_view text) {
    text = trim(text);
    std::size_t end = 0;
    while (end < text.size() && (std::isdigit(static_cast<unsigned char>(text[end])) || text[end] == '.')) ++end;
    std::string number_text(text.substr(0, end));
    if (number_text.empty() || number_text.front() == '.' || number_text.back() == '.' ||
        std::count(number_text.begin(), number_text.end(), '.') > 1)
        return std::nullopt;
    double number = std::stod(number_text);
    std::string_view unit = trim(text.substr(end));
    double milliseconds_per_unit = 0;
    if (unit.empty() || unit == "s") milliseconds_per_unit = 1000;
    else if (unit == "ms") milliseconds_per_unit = 1;
    else if (unit == "m") milliseconds_per_unit = 60'000;
    else if (unit == "h") milliseconds_per_unit = 3'600'000;
    else if (unit == "d") milliseconds_per_unit = 86'400'000;
    else return std::nullopt;
    double milliseconds = std::round(number * milliseconds_per_unit);
    if (milliseconds > 1e15) return std::nullopt;  // ~31000 years: a typo, not a timeout
    return Duration(static_cast<Duration::rep>(milliseconds));
}

std::optional<Endpoint> parse_endpoint(std::string_view text) {
    auto parts = split_host_port(trim(text), /*port_optional=*/false);
    if (!parts) return std::nullopt;
    auto port = parse_port(parts->second);
    if (!port) return std::nullopt;
    return Endpoint{parts->first, *port};
}

std::optional<Upstream> parse_upstream(std::string_view text) {
    text = trim(text);
    Upstream upstream;
    if (text.starts_with("http://")) upstream.scheme = "http";
    else if (text.starts_with("https://")) upstream.scheme = "https";
    else return std::nullopt;
    text.remove_prefix(upstream.scheme.size() + 3);
    if (text.ends_with("/")) text.remove_suffix(1);
    if (text.find_first_of("/?#@") != std::string_view::npos) return std::nullopt;
    auto parts = split_host_port(text, /*port_optional=*/true);
    if (!parts) return std::nullopt;
    upstream.host = parts->first;
    if (parts->second.empty() && text.back() != ':') {
        upstream.port = upstream.scheme == "https" ? 443 : 80;
    } else {
        auto port = parse_port(parts->second);
        if (!port || *port == 0) return std::nullopt;
        upstream.port = *port;
    }
    return upstream;
}

bool is_cookie_domain(std::string_view text) {
    if (text.starts_with('.')) text.remove_prefix(1);
    return is_hostname(text) && !text.ends_with('.');
}

bool is_token(std::string_view value) { return text::is_token(value); }

bool is_ip_or_cidr(std::string_view text) {
    auto slash = text.find('/');
    std::string_view address = text.substr(0, slash);
    bool v4 = is_ipv4(address);
    if (!v4 && !is_ipv6(address)) return false;
    if (slash == std::string_view::npos) return true;
    auto bits = parse_integer(text.substr(slash + 1));
    return bits && text.substr(slash + 1).find_first_not_of("0123456789") == std::string_view::npos &&
           *bits >= 0 && *bits <= (v4 ? 32 : 128);
}

std::string size_text(std::uint64_t bytes) {
    static constexpr std::pair<int, const char*> units[] = {{40, "TiB"}, {30, "GiB"}, {20, "MiB"}, {10, "KiB"}};
    for (auto [shift, name] : units) {
        std::uint64_t unit = std::uint64_t{1} << shift;
        if (bytes != 0 && bytes % unit == 0) return std::to_string(bytes / unit) + name;
    }
    return std::to_string(bytes);
}

}  // namespace sessiongate::config
