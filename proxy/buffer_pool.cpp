#include "proxy/buffer_pool.hpp"

#include <algorithm>
#include <cstring>
#include <utility>

namespace sessiongate::proxy {

Buffer& Buffer::operator=(Buffer&& other) noexcept {
    if (this == &other) return *this;
    release();
    pool_ = other.pool_;
    block_ = std::move(other.block_);
    capacity_ = std::exchange(other.capacity_, 0);
    begin_ = std::exchange(other.begin_, 0);
    end_ = std::exchange(other.end_, 0);
    return *this;
}

void Buffer::reserve(BufferPool& pool, std::size_t capacity) {
    if (block_ && capacity_ >= capacity) return;
    auto bigger = pool.take(capacity);
    auto size = std::max(capacity, BufferPool::block_size);
    if (block_) {
        std::memcpy(bigger.get(), block_.get() + begin_, end_ - begin_);
        end_ -= begin_;
        begin_ = 0;
        pool_->give_back(std::move(block_), capacity_);
    }
    pool_ = &pool;
    block_ = std::move(bigger);
    capacity_ = size;
}

void Buffer::release() {
    if (block_) pool_->give_back(std::move(block_), capacity_);
    capacity_ = begin_ = end_ = 0;
}

void Buffer::consume(std::size_t n) {
    begin_ += std::min(n, end_ - begin_);
    if (begin_ == end_) begin_ = end_ = 0;
}

char* Buffer::space() {
    if (begin_ > 0) {
        std::memmove(block_.get(), block_.get() + begin_, end_ - begin_);
        end_ -= begin_;
        begin_ = 0;
    }
    return block_.get() + end_;
}

std::unique_ptr<char[]> BufferPool::take(std::size_t capacity) {
    if (capacity <= block_size && !free_.empty()) {
        auto block = std::move(free_.back());
        free_.pop_back();
        return block;
    }
    // Not value-initialised: pages are touched only as bytes arrive.
    return std::unique_ptr<char[]>(new char[std::max(capacity, block_size)]);
}

void BufferPool::give_back(std::unique_ptr<char[]> block, std::size_t capacity) {
    if (capacity == block_size && free_.size() < max_free) free_.push_back(std::move(block));
}

}  // namespace sessiongate::proxy
