// Chunked request bodies through the strict framing check, whole and in
// pieces. Properties: the verdict and the number of bytes that belong to the
// body do not depend on how the bytes arrive; and the check and Beast (which
// relays the body) agree on where the body ends: a body the check completes
// is exactly the body Beast completes, and one the check still waits on,
// Beast does not consider complete either.
#include "proxy/chunked_framing.hpp"
#include "property.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace http = boost::beast::http;
using sessiongate::proxy::ChunkedFramingCheck;

namespace {

constexpr std::string_view head = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n";

struct Outcome {
    std::size_t body_bytes = 0;
    bool done = false;
    bool failed = false;
    bool operator==(const Outcome&) const = default;
};

/// Feeds `body` whole (seed 0) or in pieces of 1 to 16 bytes drawn from `seed`.
Outcome check(std::string_view body, unsigned seed) {
    ChunkedFramingCheck check;
    Outcome out;
    while (!body.empty() && !check.done() && !check.failed()) {
        std::size_t n = body.size();
        if (seed != 0) {
            seed = (seed * 1103515245u + 12345u) | 1u;  // never 0 again
            n = (seed >> 16) % 16 + 1;
        }
        const auto piece = body.substr(0, n);
        const auto used = check.feed(piece);
        FUZZ_PROPERTY(used <= piece.size());
        FUZZ_PROPERTY(used == piece.size() || check.done() || check.failed());
        out.body_bytes += used;
        body.remove_prefix(piece.size());
    }
    out.done = check.done();
    out.failed = check.failed();
    FUZZ_PROPERTY(!(out.done && out.failed));
    return out;
}

/// How Beast reads head + body: done or not, and the body bytes it took.
struct BeastView {
    bool done = false;
    bool error = false;
    std::size_t body_bytes = 0;
};

BeastView beast_reads(std::string_view body) {
    const std::string message = std::string(head) + std::string(body);
    http::request_parser<http::string_body> parser;
    parser.eager(true);
    parser.header_limit(1u << 20);  // trailers: framing here, limits elsewhere
    parser.body_limit(boost::none);
    boost::beast::error_code ec;
    std::size_t pos = 0;
    while (pos < message.size() && !parser.is_done()) {
        auto used = parser.put(boost::asio::buffer(message.data() + pos, message.size() - pos), ec);
        pos += used;
        if (ec == http::error::need_more) {
            ec = {};
            if (used == 0) break;
        } else if (ec) {
            break;
        }
    }
    BeastView view;
    view.done = parser.is_done();
    view.error = static_cast<bool>(ec);
    if (ec) std::fprintf(stderr, "beast: %s\n", ec.message().c_str());
    view.body_bytes = pos >= head.size() ? pos - head.size() : 0;
    return view;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    if (input.empty()) return 0;
    // The first byte chooses how the body arrives in pieces; the rest is the body.
    const unsigned seed = static_cast<unsigned char>(input.front()) + 1;
    input.remove_prefix(1);
    const auto whole = check(input, 0);
    FUZZ_PROPERTY(check(input, seed) == whole);
    if (whole.failed) return 0;                    // stricter than Beast on purpose

    const auto beast = beast_reads(input);
    if (whole.done) {
        FUZZ_PROPERTY(!beast.error);
        FUZZ_PROPERTY(beast.done);
        FUZZ_PROPERTY(beast.body_bytes == whole.body_bytes);
    } else {
        FUZZ_PROPERTY(whole.body_bytes == input.size());
        FUZZ_PROPERTY(!beast.done);
    }
    return 0;
}
