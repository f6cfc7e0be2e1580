#include "session/cookie_header.hpp"

#include "base/http_text.hpp"

#include <cstdio>
#include <ctime>

namespace sessiongate::session {

using namespace text;

std::vector<CookiePair> parse_cookie_header(std::string_view header) {
    std::vector<CookiePair> pairs;
    while (!header.empty()) {
        const auto semicolon = header.find(';');
        const auto piece = trim_whitespace(header.substr(0, semicolon));
        header = semicolon == std::string_view::npos ? std::string_view{} : header.substr(semicolon + 1);
        if (piece.empty()) continue;

        CookiePair pair;
        pair.text = piece;
        const auto equals = piece.find('=');
        if (equals == std::string_view::npos) {
            // A bare word: browsers send it as a nameless value.
            pair.value = piece;
        } else {
            pair.name = trim_whitespace(piece.substr(0, equals));
            pair.value = trim_whitespace(piece.substr(equals + 1));
        }
        if (pair.value.size() >= 2 && pair.value.front() == '"' && pair.value.back() == '"')
            pair.value = pair.value.substr(1, pair.value.size() - 2);
        pairs.push_back(pair);
    }
    return pairs;
}

std::string http_date(std::int64_t unix_seconds) {
    static constexpr const char* weekdays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                             "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const auto time = static_cast<std::time_t>(unix_seconds);
    std::tm parts{};
    if (::gmtime_r(&time, &parts) == nullptr) return "Thu, 01 Jan 1970 00:00:00 GMT";
    // Written by hand: strftime's names follow the locale, HTTP's do not.
    char text[40];
    std::snprintf(text, sizeof text, "%s, %02d %s %04d %02d:%02d:%02d GMT", weekdays[parts.tm_wday], parts.tm_mday,
                  months[parts.tm_mon], parts.tm_year + 1900, parts.tm_hour, parts.tm_min, parts.tm_sec);
    return text;
}

}  // namespace sessiongate::session
