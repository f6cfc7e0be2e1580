// ISO 8601 times as the counter keeps them in the session ("last_visit").
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace sample_backend {

using TimePoint = std::chrono::system_clock::time_point;

/// UTC with second precision: "2026-11-25T20:04:56Z".
std::string to_iso(TimePoint time);
std::string to_iso(long long unix_seconds);

/// Reads back what to_iso wrote; nothing for anything else.
std::optional<TimePoint> parse_iso(std::string_view text);

}  // namespace sample_backend
