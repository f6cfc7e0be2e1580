// Byte buffers a connection holds only while data moves: taken from its
// worker's pool when bytes arrive, given back when the exchange ends or the
// connection goes idle, so thousands of idle keep-alive connections hold no
// buffer at all. One thread's pool: no locks.
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>
#include <vector>

namespace sessiongate::proxy {

class BufferPool;

/// A flat byte buffer (readable bytes followed by free space), like
/// beast::flat_buffer, whose storage comes from a BufferPool and goes back to
/// it on release() or destruction. Empty and storage-less when default-made.
class Buffer {
public:
    Buffer() = default;
    Buffer(Buffer&& other) noexcept { *this = std::move(other); }
    Buffer& operator=(Buffer&& other) noexcept;
    ~Buffer() { release(); }

    /// Takes storage of at least `capacity` bytes if it has none (or less).
    void reserve(BufferPool& pool, std::size_t capacity);
    /// Gives the storage back; the buffer must hold no unread bytes to keep.
    void release();
    bool has_storage() const { return block_ != nullptr; }

    std::string_view data() const { return {block_.get() + begin_, end_ - begin_}; }
    std::size_t size() const { return end_ - begin_; }
    bool empty() const { return begin_ == end_; }
    void consume(std::size_t n);
    void clear() { begin_ = end_ = 0; }

    /// Free space after the readable bytes (moved to the front first when
    /// that makes room).
    char* space();
    std::size_t space_size() const { return capacity_ - end_ + (begin_ > 0 ? begin_ : 0); }
    void commit(std::size_t n) { end_ += n; }
    std::size_t capacity() const { return capacity_; }

private:
    BufferPool* pool_ = nullptr;
    std::unique_ptr<char[]> block_;
    std::size_t capacity_ = 0;
    std::size_t begin_ = 0;
    std::size_t end_ = 0;
};

class BufferPool {
public:
    /// Buffers of `block_size` are recycled; larger ones are allocated and freed.
    static constexpr std::size_t block_size = 64 * 1024;
    /// Free blocks kept for reuse; more are freed (a burst leaves no trace).
    static constexpr std::size_t max_free = 256;

    std::unique_ptr<char[]> take(std::size_t capacity);
    void give_back(std::unique_ptr<char[]> block, std::size_t capacity);
    std::size_t free_count() const { return free_.size(); }

private:
    std::vector<std::unique_ptr<char[]>> free_;
};

}  // namespace sessiongate::proxy
