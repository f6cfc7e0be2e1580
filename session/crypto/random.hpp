// Random bytes from OpenSSL's CSPRNG (the OS seeds it), handed out from a
// block each thread draws at once.
//
// One RAND_bytes call costs about 2 us here whatever its size: OpenSSL 3
// asks the kernel for the process id on every call (to notice a fork) and
// takes its generator's locks. A save draws twice (the new id, the nonce
// of the sealed record), so each thread draws 4 KB at a time and hands it
// out. Bytes handed out are wiped from the block, and a fork discards
// every thread's block, so a parent and its child never hand out the same
// bytes.
#pragma once

#include <cstddef>
#include <string>

namespace sessiongate::session::crypto {

/// Fills `out` with `count` random bytes; false when OpenSSL's generator
/// fails (only when the OS cannot seed it).
[[nodiscard]] bool fill_random(unsigned char* out, std::size_t count) noexcept;

/// `count` random bytes. Throws std::runtime_error when the generator fails.
std::string random_bytes(std::size_t count);

}  // namespace sessiongate::session::crypto
