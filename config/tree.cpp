#include "config/tree.hpp"

#include <yaml-cpp/yaml.h>

namespace sessiongate::config {
namespace {

int line_of(const YAML::Mark& mark) { return mark.is_null() ? 0 : mark.line + 1; }

Tree convert(const YAML::Node& node) {
    Tree tree;
    tree.line = line_of(node.Mark());
    switch (node.Type()) {
    case YAML::NodeType::Scalar:
        tree.kind = Tree::Kind::Scalar;
        tree.scalar = node.Scalar();
        break;
    case YAML::NodeType::Sequence:
        tree.kind = Tree::Kind::List;
        for (const YAML::Node& item : node) tree.items.push_back(convert(item));
        break;
    case YAML::NodeType::Map:
        tree.kind = Tree::Kind::Map;
        for (const auto& entry : node) {
            if (!entry.first.IsScalar())
                throw YAML::ParserException(entry.first.Mark(), "a key must be a plain string");
            Tree value = convert(entry.second);
            value.key = entry.first.Scalar();
            value.key_line = line_of(entry.first.Mark());
            // An empty value ("key:") has no position of its own.
            if (value.line == 0) value.line = value.key_line;
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
    return numeric ? scalar : "\"" + scalar + "\"";
}

std::variant<Tree, YamlSyntaxError> parse_yaml(const std::string& text) {
    try {
        return convert(YAML::Load(text));
    } catch (const YAML::Exception& error) {
        return YamlSyntaxError{line_of(error.mark), error.msg};
    }
}

}  // namespace sessiongate::config
