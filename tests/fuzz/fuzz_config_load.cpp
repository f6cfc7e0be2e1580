// The configuration loader: YAML text in, a config or problems out.
// Properties: never both and never neither; every problem of the file names
// the file and a line within it, or a key; a config that loads keeps its
// source. (The text goes in through a memory file: the loader reads paths.)
#include "config/load.hpp"
#include "property.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <string>
#include <string_view>

using namespace sessiongate::config;

namespace {

/// A memory file holding the fuzz input, reachable by a path.
class MemoryFile {
public:
    explicit MemoryFile(std::string_view text) : fd_(::memfd_create("sessiongate.yaml", 0)) {
        FUZZ_PROPERTY(fd_ >= 0);
        for (std::size_t done = 0; done < text.size();) {
            auto n = ::write(fd_, text.data() + done, text.size() - done);
            FUZZ_PROPERTY(n > 0);
            done += static_cast<std::size_t>(n);
        }
    }
    ~MemoryFile() { ::close(fd_); }
    MemoryFile(const MemoryFile&) = delete;
    MemoryFile& operator=(const MemoryFile&) = delete;
    std::string path() const { return "/proc/self/fd/" + std::to_string(fd_); }

private:
    int fd_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const MemoryFile file(text);
    const auto path = file.path();
    const auto result = load_config(path, {}, {});

    FUZZ_PROPERTY((result.config == nullptr) != result.problems.empty());
    if (result.config) FUZZ_PROPERTY(result.config->source == path);

    int lines = 1;
    for (char c : text) lines += c == '\n';
    for (const auto& problem : result.problems) {
        FUZZ_PROPERTY(!problem.message.empty());
        FUZZ_PROPERTY(problem.line >= 0 && problem.line <= lines);
        if (problem.file == path) FUZZ_PROPERTY(problem.line > 0 || !problem.key.empty());
        FUZZ_PROPERTY(problem.text().starts_with(problem.file));
    }
    return 0;
}
