#include "session/crypto/random.hpp"

#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <set>
#include <string>
#include <thread>

using namespace sessiongate::session::crypto;

TEST_CASE("random_bytes gives the length asked for, and new bytes every time", "[random]") {
    std::set<std::string> seen;
    for (std::size_t count : {1, 12, 16, 32, 1023, 1024, 1025, 5000}) {
        const auto bytes = random_bytes(count);
        CHECK(bytes.size() == count);
        if (count >= 12) CHECK(seen.insert(bytes).second);
    }
    CHECK(random_bytes(0).empty());
}

TEST_CASE("no bytes are handed out twice, across many refills of the block", "[random]") {
    // 4096-byte blocks: 20,000 nonces of 12 bytes need about 60 of them.
    std::set<std::string> nonces;
    for (int i = 0; i < 20'000; ++i) REQUIRE(nonces.insert(random_bytes(12)).second);
}

TEST_CASE("each thread hands out bytes of its own", "[random]") {
    std::array<std::string, 4> drawn;
    std::array<std::thread, 4> threads;
    for (std::size_t t = 0; t < threads.size(); ++t)
        threads[t] = std::thread([&drawn, t] {
            for (int i = 0; i < 200; ++i) drawn[t] += random_bytes(32);
        });
    for (auto& thread : threads) thread.join();
    std::set<std::string> chunks;
    for (const auto& text : drawn)
        for (std::size_t at = 0; at < text.size(); at += 32) CHECK(chunks.insert(text.substr(at, 32)).second);
}

TEST_CASE("a forked child never hands out the bytes its parent does", "[random]") {
    (void)random_bytes(32);  // this thread's block is drawn, with bytes left in it
    int pipe_ends[2];
    REQUIRE(pipe(pipe_ends) == 0);
    const pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        const auto bytes = random_bytes(32);
        const bool written = write(pipe_ends[1], bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size());
        _exit(written ? 0 : 1);
    }
    close(pipe_ends[1]);
    const auto parents = random_bytes(32);
    std::string childs(32, '\0');
    std::size_t got = 0;
    while (got < childs.size()) {
        const ssize_t n = read(pipe_ends[0], childs.data() + got, childs.size() - got);
        if (n <= 0) break;
        got += static_cast<std::size_t>(n);
    }
    close(pipe_ends[0]);
    int status = 0;
    REQUIRE(waitpid(child, &status, 0) == child);
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) == 0);
    REQUIRE(got == childs.size());
    CHECK(childs != parents);
}

TEST_CASE("fill_random fills exactly the bytes asked for", "[random]") {
    std::array<unsigned char, 64> buffer{};
    REQUIRE(fill_random(buffer.data() + 8, 12));
    for (std::size_t i = 0; i < 8; ++i) CHECK(buffer[i] == 0);
    for (std::size_t i = 20; i < buffer.size(); ++i) CHECK(buffer[i] == 0);
    CHECK(fill_random(buffer.data(), 0));
}
