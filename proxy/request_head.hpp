// Strict checks on the raw bytes of a request head, before any parser sees
// them. Beast is lenient where a proxy must not be (it unfolds obs-fold, for
// one); anything ambiguous here could be read differently by the upstream and
// so smuggle a request past us.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace sessiongate::proxy {

/// Where a request head ends in a buffer.
struct HeadEnd {
    std::size_t length = 0;  // bytes up to and including the blank line
    bool malformed = false;  // a bare LF was found: reject without waiting for more
};

/// Scans `data` (from `from`, a hint where the previous scan stopped) for the
/// CRLF CRLF that ends a head. nullopt: need more bytes.
std::optional<HeadEnd> find_head_end(std::string_view data, std::size_t from = 0);

/// Bytes of CRLF before the request line (tolerated, RFC 9112 section 2.2).
std::size_t leading_empty_lines(std::string_view data);

/// Host = uri-host [ ":" port ] (RFC 9110 7.2), limited to the characters of
/// real host names and IP literals; empty is allowed.
bool is_valid_host(std::string_view value);

/// An absolute-form target (RFC 9112 3.2.2) in origin-form ("/" when it has
/// no path), its authority in `authority`. Empty when the target is not
/// http(s)://authority[/path][?query] or the authority has userinfo.
std::string to_origin_form(std::string_view target, std::string& authority);

/// True when a Transfer-Encoding value (several headers joined by ',') is
/// exactly `chunked`: the one coding we can re-frame and vouch for.
bool is_chunked_only(std::string_view transfer_encoding);

/// The verdict on a head: 0 when acceptable, else the status to answer.
struct HeadVerdict {
    unsigned status = 0;
    std::string_view reason;  // for the log line
    bool ok() const { return status == 0; }
};

/// Checks one complete head (request line to the blank line inclusive):
/// byte set (no NUL, bare CR or other control bytes), request-line shape,
/// field-name tokens with the colon right after, no obs-fold, exactly one
/// Host in HTTP/1.1 (empty only with an absolute-form target), and unambiguous framing (Content-Length digits only and
/// never differing; Transfer-Encoding only as `chunked`, never with
/// Content-Length, never in HTTP/1.0).
HeadVerdict check_request_head(std::string_view head);

}  // namespace sessiongate::proxy
