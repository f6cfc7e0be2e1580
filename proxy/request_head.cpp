#include "proxy/request_head.hpp"

#include "base/http_text.hpp"

#include <algorithm>
#include <cstdint>
#include <string>

namespace sessiongate::proxy {
namespace {

using text::is_token;
using text::trim_whitespace;
constexpr auto iequals = text::equals_ignoring_case;

// Field values: visible ASCII, obs-text, SP and HTAB only.
bool is_field_value(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char ch) {
        auto c = static_cast<unsigned char>(ch);
        return c == '\t' || (c >= 0x20 && c != 0x7f);
    });
}

// Request targets: visible ASCII only (no spaces, no controls, no obs-text).
bool is_target(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char ch) {
        auto c = static_cast<unsigned char>(ch);
        return c > 0x20 && c < 0x7f;
    });
}


// HTTP-version = "HTTP/" DIGIT "." DIGIT (RFC 9112 2.3); also "HTTP/2", "HTTP/3".
bool is_well_formed_version(std::string_view v) {
    auto digit = [](char c) { return c >= '0' && c <= '9'; };
    if (v.substr(0, 5) != "HTTP/") return false;
    v.remove_prefix(5);
    return (v.size() == 1 && digit(v[0])) || (v.size() == 3 && digit(v[0]) && v[1] == '.' && digit(v[2]));
}

// #token (RFC 9110 5.6.1): tokens separated by commas and OWS, empty
// elements allowed; Beast refuses a Connection header that is not one.
bool is_token_list(std::string_view value) {
    while (true) {
        auto comma = value.find(',');
        auto item = trim_whitespace(value.substr(0, comma));
        if (!item.empty() && !is_token(item)) return false;
        if (comma == std::string_view::npos) return true;
        value.remove_prefix(comma + 1);
    }
}

// Content_Length and the like: upstreams that map header names to variables
// (CGI, WSGI: HTTP_CONTENT_LENGTH) read '_' as '-', and would frame the
// request by a field we did not.
bool spells_framing_field_with_underscore(std::string_view name) {
    if (name.find('_') == std::string_view::npos) return false;
    std::string dashed(name);
    std::replace(dashed.begin(), dashed.end(), '_', '-');
    return iequals(dashed, "content-length") || iequals(dashed, "transfer-encoding");
}

constexpr HeadVerdict bad(std::string_view reason) { return {400, reason}; }

// Content-Length: 1*DIGIT, or a list of identical values ("5, 5").
std::optional<std::uint64_t> parse_content_length(std::string_view value, bool& ok) {
    std::optional<std::uint64_t> result;
    while (true) {
        auto comma = value.find(',');
        auto item = trim_whitespace(value.substr(0, comma));
        if (item.empty() || item.size() > 18 ||
            !std::all_of(item.begin(), item.end(), [](char c) { return c >= '0' && c <= '9'; })) {
            ok = false;
            return std::nullopt;
        }
        std::uint64_t n = std::stoull(std::string(item));
        if (result && *result != n) {
            ok = false;
            return std::nullopt;
        }
        result = n;
        if (comma == std::string_view::npos) break;
        value.remove_prefix(comma + 1);
    }
    return result;
}

}  // namespace

std::optional<HeadEnd> find_head_end(std::string_view data, std::size_t from) {
    std::size_t start = from > 3 ? from - 3 : 0;
    for (std::size_t i = start; i < data.size(); ++i) {
        if (data[i] != '\n') continue;
        if (i == 0 || data[i - 1] != '\r') return HeadEnd{i + 1, true};
        if (i >= 3 && data[i - 2] == '\n' && data[i - 3] == '\r') return HeadEnd{i + 1, false};
    }
    return std::nullopt;
}

std::size_t leading_empty_lines(std::string_view data) {
    std::size_t n = 0;
    while (data.substr(n, 2) == "\r\n") n += 2;
    return n;
}

std::string to_origin_form(std::string_view target, std::string& authority) {
    auto scheme_end = target.find("://");
    if (scheme_end == std::string_view::npos) return {};
    auto scheme = target.substr(0, scheme_end);
    if (!iequals(scheme, "http") && !iequals(scheme, "https")) return {};
    auto rest = target.substr(scheme_end + 3);
    auto path_start = rest.find_first_of("/?");
    authority = std::string(rest.substr(0, path_start));
    if (authority.empty() || authority.find('@') != std::string::npos) return {};
    if (path_start == std::string_view::npos) return "/";
    std::string origin(rest.substr(path_start));
    if (origin.front() == '?') origin.insert(origin.begin(), '/');
    return origin;
}

bool is_chunked_only(std::string_view transfer_encoding) {
    return iequals(trim_whitespace(transfer_encoding), "chunked");
}

bool is_valid_host(std::string_view value) {
    // Stricter than reg-name: sub-delims (",;=!$&'()*+") appear in no real
    // host name and some upstreams split on them.
    static constexpr std::string_view allowed =
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~%:[]";
    return value.find_first_not_of(allowed) == std::string_view::npos;
}

HeadVerdict check_request_head(std::string_view head) {
    // Byte set: every line ends in CRLF; no NUL, bare CR or other controls.
    for (std::size_t i = 0; i < head.size(); ++i) {
        auto c = static_cast<unsigned char>(head[i]);
        if (c == '\r') {
            if (i + 1 >= head.size() || head[i + 1] != '\n') return bad("bare CR");
        } else if (c == '\n') {
            if (i == 0 || head[i - 1] != '\r') return bad("bare LF");
        } else if (c == 0) {
            return bad("NUL byte");
        } else if ((c < 0x20 && c != '\t') || c == 0x7f) {
            return bad("control byte");
        }
    }

    auto line_end = head.find("\r\n");
    if (line_end == std::string_view::npos) return bad("no request line");
    std::string_view line = head.substr(0, line_end);

    // request-line = method SP request-target SP HTTP-version (single spaces).
    auto sp1 = line.find(' ');
    auto sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos)
        return bad("malformed request line");
    std::string_view method = line.substr(0, sp1);
    std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    std::string_view version = line.substr(sp2 + 1);
    if (!is_token(method)) return bad("malformed method");
    if (!is_target(target)) return bad("malformed request target");
    if (target.find('#') != std::string_view::npos) return bad("fragment in request target");
    bool http11;
    if (version == "HTTP/1.1") http11 = true;
    else if (version == "HTTP/1.0") http11 = false;
    else if (is_well_formed_version(version)) return {505, "unsupported HTTP version"};
    else return bad("malformed HTTP version");

    int hosts = 0;
    bool empty_host = false;
    bool saw_transfer_encoding = false;
    std::string transfer_encoding;
    bool saw_content_length = false;
    std::optional<std::uint64_t> content_length;

    std::size_t pos = line_end + 2;
    while (pos < head.size()) {
        auto end = head.find("\r\n", pos);
        std::string_view field = head.substr(pos, end - pos);
        pos = end + 2;
        if (field.empty()) break;  // the blank line
        if (field.front() == ' ' || field.front() == '\t') return bad("obs-fold");
        auto colon = field.find(':');
        if (colon == std::string_view::npos) return bad("header line without colon");
        std::string_view name = field.substr(0, colon);
        std::string_view value = trim_whitespace(field.substr(colon + 1));
        if (!is_token(name)) return bad("malformed header name");
        if (!is_field_value(value)) return bad("malformed header value");
        if (spells_framing_field_with_underscore(name)) return bad("framing header spelt with '_'");

        if (iequals(name, "host")) {
            ++hosts;
            if (!is_valid_host(value)) return bad("malformed Host");
            empty_host = empty_host || value.empty();
        } else if (iequals(name, "content-length")) {
            bool ok = true;
            auto n = parse_content_length(value, ok);
            if (!ok || (content_length && *content_length != *n))
                return bad("invalid or conflicting Content-Length");
            saw_content_length = true;
            content_length = n;
        } else if (iequals(name, "connection") || iequals(name, "proxy-connection")) {
            if (!is_token_list(value)) return bad("malformed Connection");
        } else if (iequals(name, "transfer-encoding")) {
            saw_transfer_encoding = true;
            if (!transfer_encoding.empty()) transfer_encoding += ',';
            transfer_encoding.append(value);
        }
    }

    if (http11 && hosts != 1) return bad(hosts == 0 ? "missing Host" : "several Host headers");
    if (hosts > 1) return bad("several Host headers");
    // RFC 9112 3.2: an empty Host is only for a target without an authority,
    // which only absolute-form can be; origin-form and "*" need a real one.
    bool absolute_form = target.front() != '/' && target != "*";
    if (empty_host && !absolute_form) return bad("empty Host");

    if (saw_transfer_encoding) {
        if (!http11) return bad("Transfer-Encoding in HTTP/1.0");
        if (saw_content_length) return bad("Content-Length with Transfer-Encoding");
        // Only "chunked", once: any other coding is one we cannot vouch for.
        if (!is_chunked_only(transfer_encoding))
            return bad("Transfer-Encoding other than chunked");
    }
    return {};
}

}  // namespace sessiongate::proxy
