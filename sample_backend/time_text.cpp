#include "sample_backend/time_text.hpp"

#include <cstdio>
#include <ctime>

namespace sample_backend {

std::string to_iso(long long unix_seconds) {
    const std::time_t t = static_cast<std::time_t>(unix_seconds);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buffer[32];
    std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buffer;
}

std::string to_iso(TimePoint time) {
    return to_iso(std::chrono::duration_cast<std::chrono::seconds>(time.time_since_epoch()).count());
}

std::optional<TimePoint> parse_iso(std::string_view text) {
    if (text.size() != 20)
        return std::nullopt;
    const std::string copy(text);
    std::tm tm{};
    char zone = 0;
    int consumed = 0;
    if (std::sscanf(copy.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%c%n", &tm.tm_year, &tm.tm_mon,
                    &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &zone, &consumed) != 7 ||
        zone != 'Z' || consumed != 20)
        return std::nullopt;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    const std::time_t t = timegm(&tm);  // UTC, unlike mktime
    return std::chrono::system_clock::from_time_t(t);
}

}  // namespace sample_backend
