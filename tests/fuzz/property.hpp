// What a fuzz target asserts about its code under test. A broken property
// prints what broke and aborts: libFuzzer keeps the input as a crash, and the
// corpus replay (replay_main.cpp) fails on it.
#pragma once

#include <cstdio>
#include <cstdlib>

namespace sessiongate::fuzz {

[[noreturn]] inline void property_failed(const char* what, const char* file, int line) {
    std::fprintf(stderr, "%s:%d: property failed: %s\n", file, line, what);
    std::abort();
}

}  // namespace sessiongate::fuzz

#define FUZZ_PROPERTY(condition) \
    ((condition) ? void(0) : ::sessiongate::fuzz::property_failed(#condition, __FILE__, __LINE__))
