// Suggestions for misspelt keys and variables.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sessiongate::config {

/// Edit distance counting an insertion, a deletion, a substitution or a swap
/// of two adjacent letters as one edit ("nmae" -> "name" is 1, as in git's
/// suggestions), ignoring case and treating '-' as '_'.
std::size_t edit_distance(std::string_view a, std::string_view b);

/// The candidate nearest to `word` when it is near enough to be a typo
/// (distance 1 for short words, 2 from five characters, a third beyond).
std::optional<std::string> closest(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace sessiongate::config
