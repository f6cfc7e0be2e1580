// Storage for a worker's exchanges, recycled: an exchange is still made
// fresh for every request and destroyed whole when it ends (nothing of one
// can leak into the next), but its 2.4 KB and its two head buffers come from
// here instead of malloc, whose large-chunk path (consolidating fast bins)
// showed in the profile once per request. One thread's pool: no locks.
#pragma once

#include "proxy/exchange.hpp"

#include <memory>
#include <string>
#include <vector>

namespace sessiongate::proxy {

class ExchangePool {
public:
    /// Destroys the exchange and keeps its storage for the next one.
    struct Release {
        ExchangePool* pool = nullptr;
        void operator()(Exchange* exchange) const { pool->release(exchange); }
    };
    using Ptr = std::unique_ptr<Exchange, Release>;

    /// Storage kept for reuse; more is freed (a burst leaves no trace).
    static constexpr std::size_t max_free = 64;

    ExchangePool() = default;
    ExchangePool(const ExchangePool&) = delete;
    ExchangePool& operator=(const ExchangePool&) = delete;
    ~ExchangePool();

    /// A new exchange, its head buffers empty but with room already.
    Ptr make();
    std::size_t free_count() const { return free_.size(); }

private:
    void release(Exchange* exchange);

    std::vector<void*> free_;           // storage of destroyed exchanges
    std::vector<std::string> heads_;    // emptied head buffers, capacity kept
};

}  // namespace sessiongate::proxy
