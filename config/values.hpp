// Text -> typed value for the scalar kinds of the schema. Pure functions:
// each returns nullopt when the text is not of its kind, and the caller words
// the problem, since only it knows the key.
#pragma once

#include "config/config.hpp"

#include <cstdint>
#include <optional>
#include <string_view>

namespace sessiongate::config {

/// "42", "-1".
std::optional<std::int64_t> parse_integer(std::string_view text);

/// true/false, also yes/no and on/off, in any case.
std::optional<bool> parse_bool(std::string_view text);

/// Bytes: "16384", "16KiB", "1 MiB", "1GiB" (B, KiB, MiB, GiB, TiB).
std::optional<std::uint64_t> parse_size(std::string_view text);

/// Seconds as a number ("10", "0.5") or a number with a unit ("500ms",
/// "10s", "2m", "1h", "14d"); rounded to milliseconds.
std::optional<Duration> parse_duration(std::string_view text);

/// "host:port" or "[v6]:port", port 0..65535.
std::optional<Endpoint> parse_endpoint(std::string_view text);

/// "http://host[:port]" or "https://host[:port]", an optional lone "/", no
/// path, query or credentials. The port defaults to 80 / 443.
std::optional<Upstream> parse_upstream(std::string_view text);

/// A cookie Domain attribute: a host name ("example.com"), a leading dot
/// tolerated as browsers do (".example.com"); no scheme, port or path.
bool is_cookie_domain(std::string_view text);

/// An RFC 9110 token: a valid header or cookie name.
bool is_token(std::string_view text);

/// "10.0.0.1", "::1", "10.0.0.0/8", "fd00::/8".
bool is_ip_or_cidr(std::string_view text);

/// Bytes written back the way a person would: "16KiB", "1GiB", "1000".
std::string size_text(std::uint64_t bytes);

}  // namespace sessiongate::config
