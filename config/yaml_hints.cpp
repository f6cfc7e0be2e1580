#include "config/yaml_hints.hpp"

#include <string>
#include <vector>

namespace sessiongate::config {
namespace {

std::vector<std::string_view> lines_of(std::string_view text) {
    std::vector<std::string_view> lines;
    while (!text.empty()) {
        auto end = text.find('\n');
        lines.push_back(text.substr(0, end));
        if (end == std::string_view::npos) break;
        text.remove_prefix(end + 1);
    }
    return lines;
}

// Where a quoted scalar opened at `line[start]` closes on that line, or npos.
// In double quotes a backslash escapes the next character; in single quotes
// a doubled quote stands for one.
std::size_t closing_quote(std::string_view line, std::size_t start) {
    const char quote = line[start];
    for (std::size_t i = start + 1; i < line.size(); ++i) {
        if (quote == '"' && line[i] == '\\') {
            ++i;
        } else if (line[i] == quote) {
            if (quote == '\'' && i + 1 < line.size() && line[i + 1] == '\'') ++i;
            else return i;
        }
    }
    return std::string_view::npos;
}

// A quote that starts a value: at the start of the line's content or after
// "key:", "-", "[", "{" or ",". A quote inside a plain value (it's) starts
// nothing.
bool opens_value(std::string_view line, std::size_t at) {
    auto before = line.substr(0, at).find_last_not_of(" \t");
    if (before == std::string_view::npos) return true;
    char c = line[before];
    return c == ':' || c == '-' || c == '[' || c == '{' || c == ',';
}

// The first quote on `line` that opens a value and is not closed on it.
bool has_open_quote(std::string_view line) {
    for (std::size_t i = 0; i < line.size(); ++i) {
        char c = line[i];
        if (c == '#' && (i == 0 || line[i - 1] == ' ' || line[i - 1] == '\t')) return false;  // a comment
        if ((c == '"' || c == '\'') && opens_value(line, i)) {
            std::size_t close = closing_quote(line, i);
            if (close == std::string_view::npos) return true;
            i = close;
        }
    }
    return false;
}

bool tab_in_indentation(std::string_view line) {
    auto content = line.find_first_not_of(" \t");
    return content != std::string_view::npos && line.substr(0, content).find('\t') != std::string_view::npos;
}

}  // namespace

YamlSyntaxError explain_syntax_error(std::string_view text, YamlSyntaxError error) {
    const std::vector<std::string_view> lines = lines_of(text);
    // The cause is at or above the line the parser gave up on.
    const std::size_t last = error.line > 0 ? std::min<std::size_t>(error.line, lines.size()) : lines.size();
    const std::string parser_said = " (the parser: " + error.message + ")";
    for (std::size_t i = 0; i < last; ++i)
        if (tab_in_indentation(lines[i]))
            return {static_cast<int>(i + 1), "a tab in the indentation; YAML indents with spaces only" + parser_said};
    for (std::size_t i = 0; i < last; ++i)
        if (has_open_quote(lines[i]))
            return {static_cast<int>(i + 1), "a quote opened on this line is not closed" + parser_said};
    // yaml-cpp stops at the first line whose indentation fits no level above.
    if (error.message.starts_with("end of map not found") || error.message.starts_with("end of sequence not found"))
        return {error.line, "this line is indented differently from the lines above it" + parser_said};
    return error;
}

std::optional<YamlSyntaxError> quote_left_open(std::string_view text, std::size_t open) {
    if (open >= text.size() || (text[open] != '"' && text[open] != '\'')) return std::nullopt;
    auto line_start = text.rfind('\n', open);
    line_start = line_start == std::string_view::npos ? 0 : line_start + 1;
    auto line_end = text.find('\n', open);
    std::string_view line = text.substr(line_start, line_end == std::string_view::npos ? line_end : line_end - line_start);
    if (closing_quote(line, open - line_start) != std::string_view::npos) return std::nullopt;
    int number = 1;
    for (std::size_t i = 0; i < line_start; ++i) number += text[i] == '\n';
    return YamlSyntaxError{number, std::string("the ") + text[open] +
                                       " opened on this line is not closed on it (a quoted value must end on "
                                       "the line where it starts)"};
}

}  // namespace sessiongate::config
