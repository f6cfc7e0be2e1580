#include "proxy/message_rules.hpp"

#include "base/http_text.hpp"

#include <boost/beast/http/error.hpp>

#include <cstdint>
#include <random>

namespace sessiongate::proxy {
namespace {

// splitmix64: a bijection, so distinct counters give distinct outputs.
std::uint64_t mix(std::uint64_t x) {
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

void append_hex(std::string& out, std::uint64_t value) {
    static constexpr char digits[] = "0123456789abcdef";
    for (int shift = 60; shift >= 0; shift -= 4) out.push_back(digits[(value >> shift) & 0xf]);
}

}  // namespace

LocalAnswer request_body_error(boost::beast::error_code ec) {
    if (ec == boost::beast::http::error::body_limit) return {413, "request body too large"};
    return {400, "malformed request body"};
}

bool is_sane_request_id(std::string_view value) {
    if (value.empty() || value.size() > 128) return false;
    for (char c : value)
        if (!text::is_digit(c) && !text::is_alpha(c) && std::string_view("-_.:+/=").find(c) == std::string_view::npos)
            return false;
    return true;
}

std::string new_request_id() {
    thread_local const std::uint64_t stream = [] {
        std::random_device device;
        return (std::uint64_t{device()} << 32) ^ device();
    }();
    thread_local std::uint64_t counter = 0;
    ++counter;
    std::string id;
    id.reserve(32);
    append_hex(id, mix(stream));       // which thread of which process
    append_hex(id, mix(stream ^ counter));  // which request of it
    return id;
}

}  // namespace sessiongate::proxy
