#include "proxy/trusted_peers.hpp"

#include <array>
#include <charconv>

namespace sessiongate::proxy {
namespace {

std::array<unsigned char, 16> as_v6_bytes(const boost::asio::ip::address& a) {
    if (a.is_v4()) return boost::asio::ip::make_address_v6(boost::asio::ip::v4_mapped, a.to_v4()).to_bytes();
    return a.to_v6().to_bytes();
}

bool same_prefix(const std::array<unsigned char, 16>& a, const std::array<unsigned char, 16>& b,
                 unsigned bits) {
    for (unsigned i = 0; i < 16 && bits > 0; ++i) {
        unsigned take = bits >= 8 ? 8 : bits;
        unsigned char mask = static_cast<unsigned char>(0xff << (8 - take));
        if ((a[i] & mask) != (b[i] & mask)) return false;
        bits -= take;
    }
    return true;
}

}  // namespace

TrustedPeers::TrustedPeers(const std::vector<std::string>& entries) {
    for (const auto& entry : entries) {
        auto slash = entry.find('/');
        boost::system::error_code ec;
        auto address = boost::asio::ip::make_address(entry.substr(0, slash), ec);
        if (ec) continue;
        unsigned full = address.is_v4() ? 32 : 128;
        unsigned prefix = full;
        if (slash != std::string::npos) {
            auto text = std::string_view(entry).substr(slash + 1);
            auto [end, err] = std::from_chars(text.data(), text.data() + text.size(), prefix);
            if (err != std::errc{} || end != text.data() + text.size() || prefix > full) continue;
        }
        // Stored as IPv6 (v4 mapped) so one comparison serves both families.
        blocks_.push_back({address, prefix + (address.is_v4() ? 96 : 0)});
    }
}

bool TrustedPeers::contains(const boost::asio::ip::address& peer) const {
    auto bytes = as_v6_bytes(peer);
    for (const auto& block : blocks_)
        if (same_prefix(as_v6_bytes(block.network), bytes, block.prefix)) return true;
    return false;
}

}  // namespace sessiongate::proxy
