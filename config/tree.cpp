#include "config/tree.hpp"

#include "config/yaml_hints.hpp"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <sstream>

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

/// Counts the documents of a YAML stream, up to one past `limit`.
/// YAML::LoadAll is not used: in yaml-cpp 0.7 it loops forever, allocating,
/// on a stray ',' (",", "{a: 1},"), finding one empty document after another.
class DocumentCounter : public YAML::EventHandler {
public:
    static constexpr int limit = 8;

    static DocumentCounter count(const std::string& text) {
        std::istringstream stream(text);
        YAML::Parser parser(stream);
        DocumentCounter counter;
        while (counter.documents <= limit && parser.HandleNextDocument(counter)) {
        }
        return counter;
    }

    int documents = 0;
    YAML::Mark second = YAML::Mark::null_mark();  // the second document's root

    void OnDocumentStart(const YAML::Mark&) override { ++documents; }
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark& mark, YAML::anchor_t) override { node(mark); }
    void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override { node(mark); }
    void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t, const std::string&) override {
        node(mark);
    }
    void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                         YAML::EmitterStyle::value) override {
        node(mark);
    }
    void OnSequenceEnd() override {}
    void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
        node(mark);
    }
    void OnMapEnd() override {}

private:
    void node(const YAML::Mark& mark) {
        if (documents == 2 && second.is_null()) second = mark;
    }
};

std::variant<Tree, YamlSyntaxError> parse_yaml(const std::string& text) {
    try {
        const auto counted = DocumentCounter::count(text);
        if (counted.documents == 0) return Tree{};
        // A second document would be silently ignored: say so instead.
        if (counted.documents > 1)
            return YamlSyntaxError{line_of(counted.second),
                                   "expected one YAML document, found " +
                                       (counted.documents > DocumentCounter::limit
                                            ? "more than " + std::to_string(DocumentCounter::limit)
                                            : std::to_string(counted.documents))};
        Budget budget;
        return convert(YAML::Load(text), text, 0, budget);
    } catch (const Malformed& malformed) {
        return malformed.error;
    } catch (const YAML::Exception& error) {
        return explain_syntax_error(text, {line_of(error.mark), error.msg});
    }
}

}  // namespace sessiongate::config
