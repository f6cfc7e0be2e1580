// The committed format fixtures of tests/fixtures/ (see its README.md).
#pragma once

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace sessiongate::test {

inline std::filesystem::path fixture_path(const std::string& name) {
    return std::filesystem::path(SESSIONGATE_SOURCE_DIR) / "tests" / "fixtures" / name;
}

/// The lines of a fixture file, without blank lines and `#` comments.
inline std::vector<std::string> fixture_lines(const std::string& name) {
    std::ifstream file(fixture_path(name));
    if (!file) throw std::runtime_error("missing fixture " + fixture_path(name).string());
    std::vector<std::string> lines;
    for (std::string line; std::getline(file, line);)
        if (!line.empty() && line.front() != '#') lines.push_back(line);
    return lines;
}

}  // namespace sessiongate::test
