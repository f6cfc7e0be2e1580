// Raw request heads, read as the client connection reads them (leading empty
// lines skipped, then up to the blank line), through the strict head check.
// Every head the check accepts must mean the same to Beast, which parses it
// for forwarding: no parse error, the same request line, the same fields one
// for one (nothing unfolded, merged or dropped) and the same framing, so the
// request we vouch for is the request that goes upstream.
#include "base/http_text.hpp"
#include "proxy/request_head.hpp"
#include "property.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace http = boost::beast::http;
using namespace sessiongate;

namespace {

struct Field {
    std::string_view name;
    std::string_view value;
};

/// The request as its raw lines say, for a head the check accepted (so
/// every line is CRLF-terminated and every field line has a colon).
struct RawRequest {
    std::string_view method, target, version;
    std::vector<Field> fields;
    bool transfer_encoding = false;
    std::optional<std::uint64_t> content_length;
};

RawRequest split(std::string_view head) {
    RawRequest raw;
    auto line_end = head.find("\r\n");
    auto line = head.substr(0, line_end);
    auto sp1 = line.find(' ');
    auto sp2 = line.find(' ', sp1 + 1);
    raw.method = line.substr(0, sp1);
    raw.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    raw.version = line.substr(sp2 + 1);
    for (auto pos = line_end + 2; pos < head.size();) {
        auto end = head.find("\r\n", pos);
        auto field = head.substr(pos, end - pos);
        pos = end + 2;
        if (field.empty()) break;
        auto colon = field.find(':');
        Field f{field.substr(0, colon), text::trim_whitespace(field.substr(colon + 1))};
        raw.fields.push_back(f);
        if (text::equals_ignoring_case(f.name, "transfer-encoding")) raw.transfer_encoding = true;
        if (text::equals_ignoring_case(f.name, "content-length"))
            raw.content_length = std::stoull(std::string(f.value.substr(0, f.value.find(','))));
    }
    return raw;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    input.remove_prefix(proxy::leading_empty_lines(input));
    auto end = proxy::find_head_end(input);
    if (!end) {
        FUZZ_PROPERTY(input.find("\r\n\r\n") == std::string_view::npos);
        return 0;
    }
    const auto head = input.substr(0, end->length);
    // The end found is the first blank line, or the first bare LF.
    FUZZ_PROPERTY(head.find("\r\n\r\n") == (end->malformed ? std::string_view::npos : head.size() - 4));
    FUZZ_PROPERTY(!end->malformed || head.size() == 1 || head[head.size() - 2] != '\r');
    if (end->malformed) return 0;  // answered 400 without a check

    const auto verdict = proxy::check_request_head(head);
    FUZZ_PROPERTY(verdict.ok() || verdict.status == 400 || verdict.status == 505);
    FUZZ_PROPERTY(verdict.ok() || !verdict.reason.empty());
    if (!verdict.ok()) return 0;

    http::request_parser<http::empty_body> parser;
    parser.header_limit(std::numeric_limits<std::uint32_t>::max());
    parser.body_limit(boost::none);  // the body's size is a 413 of its own, not the head check's
    boost::beast::error_code ec;
    const auto used = parser.put(boost::asio::buffer(head.data(), head.size()), ec);
    if (ec) std::fprintf(stderr, "beast: %s\n", ec.message().c_str());
    FUZZ_PROPERTY(!ec);
    FUZZ_PROPERTY(parser.is_header_done());
    FUZZ_PROPERTY(used == head.size());

    const auto raw = split(head);
    const auto& request = parser.get();
    FUZZ_PROPERTY(request.method_string() == raw.method);
    FUZZ_PROPERTY(request.target() == raw.target);
    FUZZ_PROPERTY(request.version() == (raw.version == "HTTP/1.1" ? 11u : 10u));
    // Beast files a field next to others of its name: compare per name, in order.
    std::vector<Field> parsed;
    for (const auto& field : request) parsed.push_back({field.name_string(), field.value()});
    auto fields = raw.fields;
    for (auto* list : {&parsed, &fields})
        std::stable_sort(list->begin(), list->end(), [](const Field& a, const Field& b) {
            return std::lexicographical_compare(a.name.begin(), a.name.end(), b.name.begin(), b.name.end(),
                                                [](char x, char y) { return text::ascii_lower(x) < text::ascii_lower(y); });
        });
    FUZZ_PROPERTY(parsed.size() == fields.size());
    for (std::size_t i = 0; i < parsed.size(); ++i) {
        FUZZ_PROPERTY(parsed[i].name == fields[i].name);
        FUZZ_PROPERTY(parsed[i].value == fields[i].value);
    }

    // Framing: chunked, a length, or no body at all.
    FUZZ_PROPERTY(parser.chunked() == raw.transfer_encoding);
    const auto beast_length = parser.content_length();  // a boost::optional
    FUZZ_PROPERTY(beast_length.has_value() == raw.content_length.has_value());
    FUZZ_PROPERTY(!beast_length || *beast_length == *raw.content_length);
    if (!raw.transfer_encoding && !raw.content_length) FUZZ_PROPERTY(parser.is_done());
    return 0;
}
