#include "session/cache_control.hpp"

#include "base/http_text.hpp"

#include <vector>

namespace sessiongate::session {

using namespace text;

namespace {

// Directives are `token[=token|quoted-string]` separated by commas; a quoted
// argument may itself hold commas (`private="Set-Cookie, X-Foo"`), so the
// list is walked quote-aware rather than split. Empty items are skipped.
std::vector<std::string_view> directives(std::string_view list) {
    std::vector<std::string_view> items;
    std::size_t at = 0;
    while (at <= list.size()) {
        const std::size_t start = at;
        bool quoted = false;
        for (; at < list.size(); ++at) {
            const char c = list[at];
            if (quoted && c == '\\') {
                ++at;  // quoted-pair
            } else if (c == '"') {
                quoted = !quoted;
            } else if (c == ',' && !quoted) {
                break;
            }
        }
        const auto item = trim_whitespace(list.substr(start, std::min(at, list.size()) - start));
        if (!item.empty()) items.push_back(item);
        ++at;
    }
    return items;
}

std::string_view directive_name(std::string_view directive) {
    return trim_whitespace(directive.substr(0, directive.find('=')));
}

}  // namespace

bool cache_control_is_private(std::string_view cache_control) {
    for (const auto directive : directives(cache_control)) {
        const auto name = directive_name(directive);
        if (equals_ignoring_case(name, "private") || equals_ignoring_case(name, "no-store")) return true;
    }
    return false;
}

std::optional<std::string> private_cache_control(std::string_view cache_control) {
    if (cache_control_is_private(cache_control)) return std::nullopt;
    std::string value = "private";
    for (const auto directive : directives(cache_control)) {
        if (equals_ignoring_case(directive_name(directive), "public")) continue;
        value += ", ";
        value += directive;
    }
    return value;
}

bool vary_covers_cookie(std::string_view vary) {
    // Vary is a plain list of field names: no quoted strings to mind.
    for (const auto item : directives(vary))
        if (equals_ignoring_case(item, "cookie") || item == "*") return true;
    return false;
}

}  // namespace sessiongate::session
