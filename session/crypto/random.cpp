#include "session/crypto/random.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <pthread.h>

#include <array>
#include <atomic>
#include <climits>
#include <cstring>
#include <stdexcept>

namespace sessiongate::session::crypto {

namespace {

/// Counts forks: a block drawn before the last fork is never handed out
/// after it (in the child, the forking thread keeps its copy of the
/// parent's block).
std::atomic<unsigned> forks{0};

void count_fork() { forks.fetch_add(1, std::memory_order_relaxed); }

class ThreadBlock {
public:
    ThreadBlock() = default;
    ThreadBlock(const ThreadBlock&) = delete;
    ThreadBlock& operator=(const ThreadBlock&) = delete;
    ~ThreadBlock() { OPENSSL_cleanse(bytes_.data(), bytes_.size()); }

    /// `fork_aware`: forks are counted, so a block may be kept; otherwise
    /// every call draws on its own.
    bool take(unsigned char* out, std::size_t count, bool fork_aware) {
        if (count == 0) return true;
        if (count > bytes_.size() / 4 || !fork_aware)
            return count <= static_cast<std::size_t>(INT_MAX) && RAND_bytes(out, static_cast<int>(count)) == 1;
        if (drawn_in_ != forks.load(std::memory_order_relaxed) || bytes_.size() - next_ < count) {
            if (RAND_bytes(bytes_.data(), static_cast<int>(bytes_.size())) != 1) {
                next_ = bytes_.size();  // nothing left to hand out
                return false;
            }
            next_ = 0;
            drawn_in_ = forks.load(std::memory_order_relaxed);
        }
        std::memcpy(out, bytes_.data() + next_, count);
        OPENSSL_cleanse(bytes_.data() + next_, count);
        next_ += count;
        return true;
    }

private:
    std::array<unsigned char, 4096> bytes_{};
    std::size_t next_ = bytes_.size();  // empty until the first draw
    unsigned drawn_in_ = 0;
};

}  // namespace

bool fill_random(unsigned char* out, std::size_t count) noexcept {
    static const bool fork_aware = pthread_atfork(nullptr, nullptr, count_fork) == 0;
    thread_local ThreadBlock block;
    return block.take(out, count, fork_aware);
}

std::string random_bytes(std::size_t count) {
    std::string bytes(count, '\0');
    if (!fill_random(reinterpret_cast<unsigned char*>(bytes.data()), count))
        throw std::runtime_error("the random number generator failed");
    return bytes;
}

}  // namespace sessiongate::session::crypto
