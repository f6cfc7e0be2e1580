#include "config/read.hpp"

#include "base/http_text.hpp"

#include "config/values.hpp"

#include <algorithm>
#include <cctype>
#include <limits>

namespace sessiongate::config::read {
namespace {

std::string got(const Tree& value) { return " (got " + value.describe() + ")"; }

const std::string& scalar(const Tree& value, std::string_view expected) {
    if (value.kind != Tree::Kind::Scalar) fail(value, "must be " + std::string(expected) + got(value));
    return value.scalar;
}

// "must be between 1 and 256", "must be at least 0", "must be greater than 0".
template <typename Number, typename Show>
void check_range(const Tree& value, Number number, Number min, Number max, Show show) {
    if (number >= min && number <= max) return;
    if (max != std::numeric_limits<Number>::max())
        fail(value, "must be between " + show(min) + " and " + show(max) + got(value));
    if (min == 1) fail(value, "must be greater than 0" + got(value));
    fail(value, "must be at least " + show(min) + got(value));
}

constexpr std::string_view duration_kind = R"(a duration: seconds, or a string like "500ms", "10s", "2m")";
constexpr std::string_view seconds_kind = R"(seconds: an integer, or a string like "90s", "2h", "14d")";
constexpr std::string_view size_kind = R"(a size in bytes, or a string like "16KiB", "1MiB", "1GiB")";

}  // namespace

void fail(const Tree& value, std::string message) { throw InvalidValue{std::move(message), value.line}; }

bool same_word(std::string_view a, std::string_view b) { return text::equals_ignoring_case(a, b); }

bool boolean(const Tree& value) {
    auto parsed = parse_bool(scalar(value, "true or false"));
    if (!parsed) fail(value, "must be true or false" + got(value));
    return *parsed;
}

std::optional<bool> optional_boolean(const Tree& value) {
    if (value.kind == Tree::Kind::Null) return std::nullopt;
    return boolean(value);
}

std::int64_t integer(const Tree& value, std::int64_t min, std::int64_t max) {
    auto parsed = parse_integer(scalar(value, "an integer"));
    if (!parsed) fail(value, "must be an integer" + got(value));
    check_range(value, *parsed, min, max, [](std::int64_t n) { return std::to_string(n); });
    return *parsed;
}

std::uint64_t size(const Tree& value, std::uint64_t min, std::uint64_t max) {
    auto parsed = parse_size(scalar(value, size_kind));
    if (!parsed) fail(value, "must be " + std::string(size_kind) + got(value));
    check_range(value, *parsed, min, max, size_text);
    return *parsed;
}

Duration duration(const Tree& value, bool zero_allowed) {
    auto parsed = parse_duration(scalar(value, duration_kind));
    if (!parsed) fail(value, "must be " + std::string(duration_kind) + got(value));
    if (!zero_allowed && parsed->count() == 0) fail(value, "must be greater than 0" + got(value));
    return *parsed;
}

std::int64_t seconds(const Tree& value, std::int64_t min) {
    const std::string& text = scalar(value, seconds_kind);
    std::optional<std::int64_t> parsed = parse_integer(text);
    if (!parsed) {
        auto as_duration = parse_duration(text);
        if (!as_duration) fail(value, "must be " + std::string(seconds_kind) + got(value));
        if (as_duration->count() % 1000 != 0) fail(value, "must be whole seconds" + got(value));
        parsed = as_duration->count() / 1000;
    }
    check_range(value, *parsed, min, std::numeric_limits<std::int64_t>::max(),
                [](std::int64_t n) { return std::to_string(n); });
    return *parsed;
}

std::optional<std::int64_t> optional_seconds(const Tree& value, std::int64_t min) {
    if (value.kind == Tree::Kind::Null) return std::nullopt;
    return seconds(value, min);
}

std::string text(const Tree& value) {
    const std::string& result = scalar(value, "a string");
    if (result.empty()) fail(value, "must not be empty");
    return result;
}

std::optional<std::string> optional_text(const Tree& value) {
    if (value.kind == Tree::Kind::Null) return std::nullopt;
    const std::string& result = scalar(value, "a string or null");
    if (result.empty()) return std::nullopt;
    return result;
}

std::string token(const Tree& value) {
    std::string result = text(value);
    if (!is_token(result)) fail(value, "must be a valid header name (letters, digits, !#$%&'*+-.^_`|~)" + got(value));
    return result;
}

std::vector<std::string> text_list(const Tree& value) {
    if (value.kind == Tree::Kind::Null) return {};
    if (value.kind != Tree::Kind::List) fail(value, "must be a list of strings" + got(value));
    std::vector<std::string> result;
    for (const Tree& item : value.items) result.push_back(text(item));
    return result;
}

std::vector<std::pair<std::string, std::string>> text_map(const Tree& value) {
    if (value.kind == Tree::Kind::Null) return {};
    if (value.kind != Tree::Kind::Map) fail(value, "must be a mapping" + got(value));
    std::vector<std::pair<std::string, std::string>> result;
    for (const Tree& entry : value.items) {
        if (entry.key.empty()) fail(entry, "keys must not be empty");
        result.emplace_back(entry.key, text(entry));
    }
    return result;
}

}  // namespace sessiongate::config::read
