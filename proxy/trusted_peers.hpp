// The peers whose X-Forwarded-* headers are believed (trusted_proxies).
#pragma once

#include <boost/asio/ip/address.hpp>

#include <string>
#include <vector>

namespace sessiongate::proxy {

class TrustedPeers {
public:
    /// Entries are addresses or CIDR blocks ("10.0.0.0/8", "::1").
    /// Entries that do not parse are skipped (config validation reports them).
    explicit TrustedPeers(const std::vector<std::string>& entries);
    bool contains(const boost::asio::ip::address& peer) const;

private:
    struct Block {
        boost::asio::ip::address network;
        unsigned prefix = 0;
    };
    std::vector<Block> blocks_;
};

}  // namespace sessiongate::proxy
