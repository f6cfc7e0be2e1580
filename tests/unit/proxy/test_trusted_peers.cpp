#include "proxy/trusted_peers.hpp"

#include <catch2/catch.hpp>

#include <boost/asio/ip/address.hpp>

#include <string>
#include <vector>

using sessiongate::proxy::TrustedPeers;

namespace {

using Strings = std::vector<std::string>;

bool trusts(const TrustedPeers& peers, const std::string& address) {
    return peers.contains(boost::asio::ip::make_address(address));
}

struct Case {
    std::string peer;
    bool expected;
};

void check_peers(const Strings& entries, const std::vector<Case>& cases) {
    const TrustedPeers peers(entries);
    for (const auto& c : cases) {
        CAPTURE(entries, c.peer);
        CHECK(trusts(peers, c.peer) == c.expected);
    }
}

}  // namespace

TEST_CASE("TrustedPeers with no entries trusts nobody", "[trusted_peers]") {
    check_peers({}, {{"127.0.0.1", false}, {"::1", false}, {"10.0.0.1", false}, {"0.0.0.0", false}});
}

TEST_CASE("TrustedPeers matches single IPv4 addresses exactly", "[trusted_peers]") {
    check_peers({"10.0.0.1", "192.168.1.20"}, {
        {"10.0.0.1", true},
        {"192.168.1.20", true},
        {"10.0.0.2", false},
        {"10.0.0.0", false},
        {"192.168.1.21", false},
        {"::1", false},
    });
    check_peers({"10.0.0.1/32"}, {{"10.0.0.1", true}, {"10.0.0.0", false}, {"10.0.0.3", false}});
}

TEST_CASE("TrustedPeers matches IPv4 CIDR blocks", "[trusted_peers]") {
    SECTION("byte-aligned prefixes") {
        check_peers({"10.0.0.0/8"}, {
            {"10.0.0.0", true},
            {"10.255.255.255", true},
            {"10.1.2.3", true},
            {"11.0.0.0", false},
            {"9.255.255.255", false},
        });
        check_peers({"192.168.1.0/24"}, {
            {"192.168.1.0", true},
            {"192.168.1.255", true},
            {"192.168.2.1", false},
            {"192.168.0.255", false},
        });
    }
    SECTION("prefixes inside a byte") {
        check_peers({"172.16.0.0/12"}, {
            {"172.16.0.1", true},
            {"172.31.255.255", true},
            {"172.32.0.0", false},
            {"172.15.255.255", false},
        });
        check_peers({"192.0.2.128/25"}, {
            {"192.0.2.128", true},
            {"192.0.2.255", true},
            {"192.0.2.127", false},
        });
        check_peers({"100.64.0.0/10"}, {
            {"100.127.255.255", true},
            {"100.128.0.0", false},
            {"100.63.255.255", false},
        });
    }
    SECTION("host bits set in the entry do not matter") {
        check_peers({"10.1.2.3/8"}, {{"10.200.0.1", true}, {"11.1.2.3", false}});
    }
    SECTION("/0 covers every IPv4 address but no native IPv6 one") {
        check_peers({"0.0.0.0/0"}, {
            {"1.2.3.4", true},
            {"255.255.255.255", true},
            {"0.0.0.0", true},
            {"2001:db8::1", false},
            {"::1", false},
        });
    }
}

TEST_CASE("TrustedPeers matches IPv6 addresses and CIDR blocks", "[trusted_peers]") {
    SECTION("a single address") {
        check_peers({"::1"}, {{"::1", true}, {"::2", false}, {"127.0.0.1", false}, {"::", false}});
        check_peers({"2001:db8::7"}, {{"2001:0db8:0000::0007", true}, {"2001:db8::8", false}});
    }
    SECTION("byte-aligned prefix") {
        check_peers({"2001:db8::/32"}, {
            {"2001:db8::1", true},
            {"2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", true},
            {"2001:db9::1", false},
            {"2001:db7:ffff::1", false},
        });
    }
    SECTION("prefix inside a byte") {
        check_peers({"fe80::/10"}, {{"fe80::1", true}, {"febf:ffff::1", true}, {"fec0::1", false}});
        check_peers({"fd00::/7"}, {{"fc00::1", true}, {"fdff::1", true}, {"fe00::1", false}});
    }
    SECTION("/128 is exact") {
        check_peers({"2001:db8::1/128"}, {{"2001:db8::1", true}, {"2001:db8::", false}, {"2001:db8::3", false}});
    }
    SECTION("::/0 covers every address, IPv4 included as mapped") {
        check_peers({"::/0"}, {{"2001:db8::1", true}, {"::1", true}, {"10.0.0.1", true}});
    }
}

TEST_CASE("TrustedPeers treats IPv4-mapped IPv6 as IPv4", "[trusted_peers]") {
    SECTION("a mapped peer on a dual-stack socket matches an IPv4 entry") {
        check_peers({"10.0.0.0/8", "192.0.2.1"}, {
            {"::ffff:10.1.2.3", true},
            {"::ffff:192.0.2.1", true},
            {"::ffff:11.1.2.3", false},
            {"::ffff:192.0.2.2", false},
        });
    }
    SECTION("a mapped entry matches an IPv4 peer") {
        check_peers({"::ffff:10.0.0.0/104"}, {
            {"10.9.8.7", true},
            {"::ffff:10.9.8.7", true},
            {"11.0.0.1", false},
        });
        check_peers({"::ffff:192.0.2.1"}, {{"192.0.2.1", true}, {"192.0.2.2", false}});
    }
    SECTION("an IPv4 entry does not cover IPv4-compatible or other IPv6 forms") {
        check_peers({"10.0.0.0/8"}, {{"::10.1.2.3", false}, {"64:ff9b::10.1.2.3", false}});
    }
}

TEST_CASE("TrustedPeers skips entries that do not parse and keeps the rest", "[trusted_peers]") {
    auto bad = GENERATE(as<std::string>{}, "not-an-ip", "", "/8", "10.0.0.0/", "10.0.0.0/33", "10.0.0.0/x",
                        "10.0.0.0/8x", "10.0.0.0/8/8", "10.0.0.0/-1", "10.0.0.0/ 8", "10.0.0.256",
                        "10.0.0", "::/129", "::1/abc", "10.0.0.0/4294967304", "2001:db8::/1000");
    CAPTURE(bad);
    const TrustedPeers peers({bad, "192.168.0.0/16"});
    CHECK(trusts(peers, "192.168.7.7"));
    // Nothing of the bad entry took effect, not even its address part.
    CHECK_FALSE(trusts(peers, "10.0.0.0"));
    CHECK_FALSE(trusts(peers, "10.0.0.1"));
    CHECK_FALSE(trusts(peers, "::1"));
    CHECK_FALSE(trusts(peers, "2001:db8::1"));
}

TEST_CASE("TrustedPeers trusts a peer matching any of several entries", "[trusted_peers]") {
    check_peers({"127.0.0.1", "::1", "10.0.0.0/8", "fd00::/8"}, {
        {"127.0.0.1", true},
        {"::1", true},
        {"10.3.3.3", true},
        {"fd12::1", true},
        {"127.0.0.2", false},
        {"fe80::1", false},
        {"203.0.113.1", false},
    });
}
