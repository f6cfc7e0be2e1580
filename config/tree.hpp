// A YAML document as plain values with line numbers.
//
// The rest of config/ reads this instead of yaml-cpp nodes, so yaml-cpp stays
// inside tree.cpp and the schema can be driven the same way by a file, an
// environment variable or a flag.
#pragma once

#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace sessiongate::config {

struct Tree {
    enum class Kind { Null, Scalar, List, Map };

    Kind kind = Kind::Null;
    std::string scalar;       // Scalar: the text as written, quotes removed
    int line = 0;             // 1-based line of the value; 0 when not from a file
    std::string key;          // a Map entry: its key
    int key_line = 0;         // a Map entry: 1-based line of its key
    std::vector<Tree> items;  // List items, or Map entries in file order

    /// "a list", "a mapping", "null" or the quoted scalar: for "(got ...)".
    std::string describe() const;
};

struct YamlSyntaxError {
    int line = 0;  // 1-based; 0 when unknown
    std::string message;
};

/// Parses one YAML document (a file, or a flow value such as "[a, b]").
/// Empty text is a Null tree.
std::variant<Tree, YamlSyntaxError> parse_yaml(const std::string& text);

}  // namespace sessiongate::config
