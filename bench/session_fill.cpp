// Filling a store with sessions as the proxy saves them.
#include "bench/session_fill.hpp"

#include "session/session_id.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <future>
#include <stdexcept>

namespace sessiongate::bench {

session::Deadline far_deadline() { return session::Deadline::clock::now() + std::chrono::seconds(60); }

session::SessionWrite new_session(std::size_t n, const session::SecretKeys& keys, std::int64_t now,
                                  const session::ExpiryPolicy& policy) {
    session::SessionWrite w;
    w.fresh_id = session::new_session_id();
    w.fresh_handle = keys.handle_for(w.fresh_id);
    w.patches.push_back(boost::json::object{{"member_id", n}, {"cart", boost::json::array{"apple", "pear", n % 7}},
                                            {"theme", "dark"}});
    w.now = now;
    w.policy = policy;
    return w;
}

std::vector<std::string> fill(session::Store& store, std::size_t count, const session::SecretKeys& keys,
                              std::int64_t now, const session::ExpiryPolicy& policy) {
    constexpr std::size_t in_flight = 4096;
    std::vector<std::string> cookies(count);
    std::string error;
    for (std::size_t first = 0; first < count; first += in_flight) {
        const std::size_t last = std::min(count, first + in_flight);
        std::atomic<std::size_t> left{last - first};
        std::promise<void> all_done;
        std::atomic<bool> failed{false};
        for (std::size_t i = first; i < last; ++i)
            store.write(new_session(i, keys, now, policy), far_deadline(), [&, i](session::WriteResult r) {
                if (r.outcome == session::WriteOutcome::Saved) cookies[i] = std::move(r.cookie_value);
                else if (!failed.exchange(true)) error = std::move(r.error);
                if (left.fetch_sub(1) == 1) all_done.set_value();
            });
        all_done.get_future().wait();
        if (failed) throw std::runtime_error("filling the store failed: " + (error.empty() ? "not saved" : error));
    }
    return cookies;
}

}  // namespace sessiongate::bench
