#include "proxy/buffer_pool.hpp"

#include <catch2/catch.hpp>

#include <cstring>
#include <string>

using namespace sessiongate::proxy;

namespace {
void put(Buffer& buffer, const std::string& text) {
    REQUIRE(buffer.space_size() >= text.size());
    std::memcpy(buffer.space(), text.data(), text.size());
    buffer.commit(text.size());
}
}  // namespace

TEST_CASE("Buffer: storage only once reserved, back to the pool on release", "[buffer_pool]") {
    BufferPool pool;
    Buffer buffer;
    CHECK_FALSE(buffer.has_storage());
    CHECK(buffer.space_size() == 0);
    buffer.reserve(pool, 100);
    CHECK(buffer.has_storage());
    CHECK(buffer.capacity() == BufferPool::block_size);
    put(buffer, "hello");
    CHECK(buffer.data() == "hello");
    buffer.clear();
    buffer.release();
    CHECK_FALSE(buffer.has_storage());
    CHECK(pool.free_count() == 1);
    Buffer again;
    again.reserve(pool, 10);
    CHECK(pool.free_count() == 0);  // the same block, reused
}

TEST_CASE("Buffer: consume and compaction keep unread bytes in order", "[buffer_pool]") {
    BufferPool pool;
    Buffer buffer;
    buffer.reserve(pool, 10);
    put(buffer, "GET / HTTP/1.1\r\n\r\nnext");
    buffer.consume(18);
    CHECK(buffer.data() == "next");
    CHECK(buffer.space_size() == BufferPool::block_size - 4);  // counts the room compaction makes
    put(buffer, " more");
    CHECK(buffer.data() == "next more");
    buffer.consume(100);
    CHECK(buffer.empty());
}

TEST_CASE("Buffer: growing keeps the bytes; large blocks are not pooled", "[buffer_pool]") {
    BufferPool pool;
    Buffer buffer;
    buffer.reserve(pool, 10);
    put(buffer, "abcdef");
    buffer.consume(2);
    buffer.reserve(pool, 3 * BufferPool::block_size);
    CHECK(buffer.capacity() == 3 * BufferPool::block_size);
    CHECK(buffer.data() == "cdef");
    CHECK(pool.free_count() == 1);  // the small block went back
    buffer.release();
    CHECK(pool.free_count() == 1);  // the large one was freed, not kept
}

TEST_CASE("Buffer: moved storage is returned once", "[buffer_pool]") {
    BufferPool pool;
    {
        Buffer a;
        a.reserve(pool, 1);
        put(a, "x");
        Buffer b = std::move(a);
        CHECK_FALSE(a.has_storage());
        CHECK(b.data() == "x");
    }
    CHECK(pool.free_count() == 1);
}
