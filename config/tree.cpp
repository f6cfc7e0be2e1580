#include "config/tree.hpp"

#include "config/yaml_hints.hpp"

#include <yaml-cpp/yaml.h>

namespace sessiongate::config {
namespace {

int line_of(const YAML::Mark& mark) { return mark.is_null() ? 0 : mark.line + 1; }

// yaml-cpp shares aliased nodes; copying them into a Tree could loop forever
// (an anchor inside itself) or explode ("billion laughs"). A configuration is
// small, so both are cut off early.
constexpr int max_depth = 64;
constexpr std::size_t max_nodes = 100'000;

struct Budget {
    std::size_t nodes = 0;
};

// A syntax error found in the converted document, not by yaml-cpp.
struct Malformed {
    YamlSyntaxError error;
};

Tree convert(const YAML::Node& node, std::string_view text, int depth, Budget& budget) {
    if (depth > max_depth)
        throw Malformed{{line_of(node.Mark()), "nested deeper than " + std::to_string(max_depth) +
                                                   " levels (or an alias inside its own anchor)"}};
    if (++budget.nodes > max_nodes)
        throw Malformed{{line_of(node.Mark()), "more than " + std::to_string(max_nodes) + " values"}};
    Tree tree;
    tree.line = line_of(node.Mark());
    switch (node.Type()) {
    case YAML::NodeType::Scalar:
        // yaml-cpp tags quoted (and block) scalars "!", plain ones "?".
        if (node.Tag() == "!")
            if (auto open = quote_left_open(text, node.Mark().pos)) throw Malformed{*open};
        tree.kind = Tree::Kind::Scalar;
        tree.scalar = node.Scalar();
        break;
    case YAML::NodeType::Sequence:
        tree.kind = Tree::Kind::List;
        for (const YAML::Node& item : node) tree.items.push_back(convert(item, text, depth + 1, budget));
        break;
    case YAML::NodeType::Map:
        tree.kind = Tree::Kind::Map;
        for (const auto& entry : node) {
            if (!entry.first.IsScalar())
                throw Malformed{{line_of(entry.first.Mark()), "a key must be a plain string"}};
            Tree value = convert(entry.second, text, depth + 1, budget);
            value.key = entry.first.Scalar();
            value.key_line = line_of(entry.first.Mark());
            // An empty value ("key:") is placed by yaml-cpp at the next
            // token, often lines below: point at its key instead.
            if (value.kind == Tree::Kind::Null || value.line == 0) value.line = value.key_line;
            tree.items.push_back(std::move(value));
        }
        break;
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
        tree.kind = Tree::Kind::Null;
        break;
    }
    return tree;
}

}  // namespace

std::string Tree::describe() const {
    switch (kind) {
    case Kind::Null: return "null";
    case Kind::List: return "a list";
    case Kind::Map: return "a mapping";
    case Kind::Scalar: break;
    }
    // Numbers read better bare: (got 0), but (got "lax2").
    bool numeric = !scalar.empty() && scalar.find_first_not_of("0123456789.+-") == std::string::npos;
    if (numeric) return scalar;
    // A pasted certificate or a long line should not flood the message.
    constexpr std::size_t shown = 60;
    if (scalar.size() > shown) return "\"" + scalar.substr(0, shown) + "...\"";
    return "\"" + scalar + "\"";
}

std::variant<Tree, YamlSyntaxError> parse_yaml(const std::string& text) {
    try {
        std::vector<YAML::Node> documents = YAML::LoadAll(text);
        if (documents.empty()) return Tree{};
        // A second document would be silently ignored: say so instead.
        if (documents.size() > 1)
            return YamlSyntaxError{line_of(documents[1].Mark()),
                                   "expected one YAML document, found " + std::to_string(documents.size())};
        Budget budget;
        return convert(documents.front(), text, 0, budget);
    } catch (const Malformed& malformed) {
        return malformed.error;
    } catch (const YAML::Exception& error) {
        return explain_syntax_error(text, {line_of(error.mark), error.msg});
    }
}

}  // namespace sessiongate::config
