// yaml-cpp's syntax errors say what its parser expected ("illegal map
// value", "end of map not found"), not what a person typed wrong. These look
// at the text itself for the usual causes.
#pragma once

#include "config/tree.hpp"

#include <optional>
#include <string_view>

namespace sessiongate::config {

/// `error` (reported by yaml-cpp) with its likely cause named and located
/// when one is found: a tab in the indentation, a quote never closed.
YamlSyntaxError explain_syntax_error(std::string_view text, YamlSyntaxError error);

/// A quoted value that does not close on the line where it opens: YAML lets
/// it run on, so it swallows the lines below without an error. `open` is the
/// offset of its opening quote in `text`.
std::optional<YamlSyntaxError> quote_left_open(std::string_view text, std::size_t open);

}  // namespace sessiongate::config
