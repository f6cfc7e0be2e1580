#include "proxy/exchange_pool.hpp"

#include <sanitizer/asan_interface.h>  // no-ops unless built with ASan

#include <new>

namespace sessiongate::proxy {

namespace {
// A head buffer larger than this (a rare huge head) is not kept.
constexpr std::size_t max_kept_head = 16 * 1024;
}  // namespace

ExchangePool::~ExchangePool() {
    for (void* storage : free_) {
        ASAN_UNPOISON_MEMORY_REGION(storage, sizeof(Exchange));
        ::operator delete(storage);
    }
}

ExchangePool::Ptr ExchangePool::make() {
    void* storage = nullptr;
    if (free_.empty()) {
        storage = ::operator new(sizeof(Exchange));
    } else {
        storage = free_.back();
        free_.pop_back();
        ASAN_UNPOISON_MEMORY_REGION(storage, sizeof(Exchange));
    }
    Ptr exchange(new (storage) Exchange, Release{this});
    for (auto* head : {&exchange->upstream_head, &exchange->client_head}) {
        if (heads_.empty()) break;
        *head = std::move(heads_.back());
        heads_.pop_back();
    }
    return exchange;
}

void ExchangePool::release(Exchange* exchange) {
    for (auto* head : {&exchange->upstream_head, &exchange->client_head}) {
        if (head->capacity() == 0 || head->capacity() > max_kept_head || heads_.size() >= 2 * max_free) continue;
        head->clear();
        heads_.push_back(std::move(*head));
    }
    exchange->~Exchange();
    if (free_.size() < max_free) {
        // Under ASan a use of an exchange after its end still faults.
        ASAN_POISON_MEMORY_REGION(exchange, sizeof(Exchange));
        free_.push_back(exchange);
    } else {
        ::operator delete(exchange);
    }
}

}  // namespace sessiongate::proxy
