// The repository's documents stand alone: a user has the repository and
// nothing beside it, so README.md and docs/ link only to files inside it.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <vector>

namespace {

const std::filesystem::path repository = SESSIONGATE_SOURCE_DIR;

std::vector<std::filesystem::path> documents() {
    std::vector<std::filesystem::path> found = {repository / "README.md", repository / "CHANGELOG.md"};
    for (const auto& entry : std::filesystem::directory_iterator(repository / "docs"))
        if (entry.path().extension() == ".md") found.push_back(entry.path());
    return found;
}

std::string read_text(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace

TEST_CASE("README.md and docs/ point at nothing outside the repository", "[docs]") {
    const std::regex link(R"(\]\(([^)#\s]+)[^)]*\))");  // [text](target)
    for (const auto& document : documents()) {
        INFO(document.string());
        const std::string text = read_text(document);
        REQUIRE_FALSE(text.empty());
        CHECK(text.find("shared/") == std::string::npos);
        CHECK(text.find("../") == std::string::npos);
        for (std::sregex_iterator it(text.begin(), text.end(), link), end; it != end; ++it) {
            const std::string target = (*it)[1];
            if (target.starts_with("https://")) continue;
            INFO(target);
            CHECK(std::filesystem::exists(document.parent_path() / target));
        }
    }
}

TEST_CASE("the repository carries its license", "[docs]") {
    const std::string license = read_text(repository / "LICENSE");
    CHECK(license.find("Apache License") != std::string::npos);
    CHECK(license.find("Version 2.0, January 2004") != std::string::npos);
}
