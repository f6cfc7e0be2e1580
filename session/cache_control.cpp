#include "session/session_filter.hpp"

#include "base/http_text.hpp"

namespace sessiongate::session {

using namespace text;

// Directives are `token[=token|quoted-string]` separated by commas; a quoted
// argument may itself hold commas (`private="Set-Cookie, X-Foo"`), so the
// list is walked quote-aware rather than split.
bool cache_control_is_private(std::string_view cache_control) {
    std::size_t at = 0;
    while (at <= cache_control.size()) {
        const std::size_t start = at;
        bool quoted = false;
        for (; at < cache_control.size(); ++at) {
            const char c = cache_control[at];
            if (quoted && c == '\\') {
                ++at;  // quoted-pair
            } else if (c == '"') {
                quoted = !quoted;
            } else if (c == ',' && !quoted) {
                break;
            }
        }
        const auto directive = cache_control.substr(start, std::min(at, cache_control.size()) - start);
        const auto name = trim_whitespace(directive.substr(0, directive.find('=')));
        if (equals_ignoring_case(name, "private") || equals_ignoring_case(name, "no-store")) return true;
        ++at;
    }
    return false;
}

}  // namespace sessiongate::session
