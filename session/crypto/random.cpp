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

/// `count` bytes straight from OpenSSL.
bool draw(unsigned char* out, std::size_t count) {
    return count <= static_cast<std::size_t>(INT_MAX) && RAND_bytes(out, static_cast<int>(count)) == 1;
}

/// A thread's bytes drawn ahead, handed out front to back.
class ThreadBlock {
public:
    /// Larger draws go straight to OpenSSL: they would empty the block.
    static constexpr std::size_t largest_take = 1024;

    ThreadBlock() = default;
    ThreadBlock(const ThreadBlock&) = delete;
    ThreadBlock& operator=(const ThreadBlock&) = delete;
    ~ThreadBlock() { OPENSSL_cleanse(bytes_.data(), bytes_.size()); }

    bool take(unsigned char* out, std::size_t count) {
        if (drawn_in_ != forks.load(std::memory_order_relaxed) || bytes_.size() - next_ < count) {
            if (!draw(bytes_.data(), bytes_.size())) {
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
    std::array<unsigned char, 4 * largest_take> bytes_{};
    std::size_t next_ = bytes_.size();  // empty until the first draw
    unsigned drawn_in_ = 0;
};

}  // namespace

bool fill_random(unsigned char* out, std::size_t count) noexcept {
    static const bool forks_counted = pthread_atfork(nullptr, nullptr, count_fork) == 0;
    if (count == 0) return true;
    // Without the fork count, no block may outlive a call.
    if (!forks_counted || count > ThreadBlock::largest_take) return draw(out, count);
    thread_local ThreadBlock block;
    return block.take(out, count);
}

std::string random_bytes(std::size_t count) {
    std::string bytes(count, '\0');
    if (!fill_random(reinterpret_cast<unsigned char*>(bytes.data()), count))
        throw std::runtime_error("the random number generator failed");
    return bytes;
}

}  // namespace sessiongate::session::crypto
