// Typed reads of one Tree value for the schema's setters. Each throws
// InvalidValue with the message a person needs ("must be ... (got ...)").
#pragma once

#include "config/schema.hpp"

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sessiongate::config::read {

[[noreturn]] void fail(const Tree& value, std::string message);

bool boolean(const Tree& value);
std::optional<bool> optional_boolean(const Tree& value);  // null = unset
std::int64_t integer(const Tree& value, std::int64_t min, std::int64_t max);
std::uint64_t size(const Tree& value, std::uint64_t min, std::uint64_t max);
Duration duration(const Tree& value, bool zero_allowed);
/// Whole seconds: an integer, or a duration such as "14d".
std::int64_t seconds(const Tree& value, std::int64_t min);
std::optional<std::int64_t> optional_seconds(const Tree& value, std::int64_t min);  // null = unset
/// A non-empty string.
std::string text(const Tree& value);
/// A string, or null (an empty string counts as null).
std::optional<std::string> optional_text(const Tree& value);
/// A header or cookie name.
std::string token(const Tree& value);
std::vector<std::string> text_list(const Tree& value);  // null = empty
std::vector<std::pair<std::string, std::string>> text_map(const Tree& value);  // null = empty

/// Case-insensitive equality, for choices such as "Lax" / "lax".
bool same_word(std::string_view a, std::string_view b);

/// One of `choices`, matched without regard to case.
template <typename Enum>
Enum one_of(const Tree& value, std::initializer_list<std::pair<std::string_view, Enum>> choices) {
    if (value.kind == Tree::Kind::Scalar)
        for (const auto& [name, result] : choices)
            if (same_word(value.scalar, name)) return result;
    std::string names;
    for (const auto& choice : choices) names += (names.empty() ? "" : ", ") + std::string(choice.first);
    fail(value, "must be one of " + names + " (got " + value.describe() + ")");
}

}  // namespace sessiongate::config::read
