// A web origin (RFC 6454): scheme, host and port, as browsers send it in the
// Origin header and as csrf.trusted_origins names it. Two origins are the
// same when all three are equal; the scheme and host compare in lower case
// and a missing port is the scheme's default, so "HTTPS://App.example" and
// "https://app.example:443" are one origin.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sessiongate::config {

struct WebOrigin {
    std::string scheme;  // "http" or "https"
    std::string host;    // lower case ASCII (an IDN in its xn-- form); IPv6 in brackets
    std::uint16_t port = 0;

    /// "scheme://host:port", the port always written.
    std::string text() const;
    bool operator==(const WebOrigin&) const = default;
};

/// The scheme's default port: 80 for http, 443 for https, 0 for any other.
std::uint16_t default_port(std::string_view scheme);

/// An origin as a browser serializes it: http or https, "://", an ASCII host
/// (a name of letters, digits, '-' and '.', or an IP literal), an optional
/// port, nothing after. nullopt for anything else, "null" included.
std::optional<WebOrigin> parse_origin(std::string_view text);

/// The origin a request was addressed to: `scheme` with its Host header
/// value (host[:port]); nullopt when the Host value is not a valid one.
std::optional<WebOrigin> origin_of_host(std::string_view scheme, std::string_view host);

/// As parse_origin, but a host may also be written in Unicode
/// ("https://bücher.example"): it is turned into its ASCII (xn--) form with
/// IDNA2008 (libidn2), the form browsers send. For configured origins.
std::optional<WebOrigin> parse_configured_origin(std::string_view text);

}  // namespace sessiongate::config
