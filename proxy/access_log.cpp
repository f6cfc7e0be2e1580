#include "proxy/access_log.hpp"

#include "base/http_text.hpp"

#include <boost/asio/ip/address.hpp>

namespace sessiongate::proxy {
namespace {

// Bounds on text a client chose: a log line stays a line a person reads.
constexpr std::size_t max_path = 2048;
constexpr std::size_t max_host = 256;
constexpr std::size_t max_user_agent = 512;

std::string_view cut(std::string_view text, std::size_t limit) { return text.substr(0, limit); }

}  // namespace

std::string_view logged_path(std::string_view target, bool with_query) {
    if (!with_query) target = target.substr(0, target.find('?'));
    return cut(target, max_path);
}

boost::json::object access_line(const AccessFacts& facts, bool with_query) {
    boost::json::object line;
    line.reserve(16);
    line["request_id"] = facts.request_id;
    line["client"] = facts.client;
    line["method"] = facts.method;
    line["host"] = cut(facts.host, max_host);
    line["path"] = logged_path(facts.target, with_query);
    line["status"] = facts.status;
    line["bytes_in"] = facts.bytes_in;
    line["bytes_out"] = facts.bytes_out;
    line["duration_us"] = facts.duration.count();
    if (facts.upstream) line["upstream_us"] = facts.upstream->count();
    if (!facts.user_agent.empty()) line["user_agent"] = cut(facts.user_agent, max_user_agent);
    if (!facts.session_handle.empty()) line["session"] = facts.session_handle;
    if (!facts.session_state.empty()) line["session_state"] = facts.session_state;
    if (!facts.session_event.empty()) line["session_event"] = facts.session_event;
    if (!facts.note.empty()) line["note"] = facts.note;
    return line;
}

std::string resolve_client(std::string_view peer, bool peer_trusted, std::string_view forwarded_for,
                           const TrustedPeers& trusted) {
    std::string client(peer);
    if (!peer_trusted) return client;
    // Right to left: each entry was added by the hop after it.
    while (!forwarded_for.empty()) {
        auto comma = forwarded_for.rfind(',');
        auto entry = text::trim_whitespace(comma == std::string_view::npos ? forwarded_for
                                                                             : forwarded_for.substr(comma + 1));
        forwarded_for = comma == std::string_view::npos ? std::string_view{} : forwarded_for.substr(0, comma);
        boost::system::error_code ec;
        auto address = boost::asio::ip::make_address(std::string(entry), ec);
        if (ec) break;  // not an address: the hop before it is the last we can tell
        client = address.to_string();
        if (!trusted.contains(address)) break;
    }
    return client;
}

}  // namespace sessiongate::proxy
