// Shared by the config tests: YAML written to a temporary sessiongate.yaml,
// and problems as the text a person reads, with the file shown by name only.
#pragma once

#include "config/load.hpp"

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

namespace sessiongate::config::test {

class TempYaml {
public:
    explicit TempYaml(const std::string& yaml) {
        std::random_device random;
        directory_ = std::filesystem::temp_directory_path() /
                     ("sessiongate-config-test-" + std::to_string(random()) + std::to_string(random()));
        std::filesystem::create_directories(directory_);
        path_ = directory_ / "sessiongate.yaml";
        std::ofstream(path_) << yaml;
    }
    ~TempYaml() {
        std::error_code ignored;
        std::filesystem::remove_all(directory_, ignored);
    }
    TempYaml(const TempYaml&) = delete;
    TempYaml& operator=(const TempYaml&) = delete;

    std::string path() const { return path_.string(); }

private:
    std::filesystem::path directory_;
    std::filesystem::path path_;
};

inline std::vector<std::string> problem_texts(const LoadResult& result) {
    std::vector<std::string> texts;
    for (Problem problem : result.problems) {
        problem.file = std::filesystem::path(problem.file).filename().string();
        texts.push_back(problem.text());
    }
    return texts;
}

inline LoadResult load_yaml(const std::string& yaml, const std::map<std::string, std::string>& environment = {},
                            const Overrides& flags = {}) {
    TempYaml file(yaml);
    return load_config(file.path(), environment, flags);
}

}  // namespace sessiongate::config::test
