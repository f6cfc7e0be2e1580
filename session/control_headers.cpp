// The X-Session-* response headers an upstream uses to change the session.
#include "session/control_headers.hpp"

#include "base/http_text.hpp"

#include <boost/json/parse.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>

namespace sessiongate::session {

using namespace text;

namespace {

/// A patch bigger than this is refused before parsing: far over any
/// session_max_bytes, so it could only be a mistake or an attack.
constexpr std::size_t max_patch_bytes = 1024 * 1024;

/// X-Session-Expiry above this is refused: no cookie lives that long, and
/// `now + seconds` stays far from overflow.
constexpr std::int64_t max_expiry_seconds = 3'155'760'000;  // 100 years of 365.25 days

std::string_view action_name(SessionAction action) {
    switch (action) {
        case SessionAction::Flush: return "flush";
        case SessionAction::Cycle: return "cycle";
        case SessionAction::Clear: return "clear";
        case SessionAction::None: break;
    }
    return "none";
}

std::optional<SessionAction> parse_action(std::string_view value) {
    for (const auto action : {SessionAction::Flush, SessionAction::Cycle, SessionAction::Clear})
        if (equals_ignoring_case(value, action_name(action))) return action;
    return std::nullopt;
}

std::optional<ExpirySetting> parse_expiry(std::string_view value) {
    if (equals_ignoring_case(value, "default")) return ExpirySetting{ExpirySetting::Kind::Default, 0};
    if (value.empty() || value.front() < '0' || value.front() > '9') return std::nullopt;  // no sign
    std::int64_t seconds = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
    if (ec != std::errc{} || end != value.data() + value.size() || seconds > max_expiry_seconds)
        return std::nullopt;
    if (seconds == 0) return ExpirySetting{ExpirySetting::Kind::BrowserSession, 0};
    return ExpirySetting{ExpirySetting::Kind::Seconds, seconds};
}

/// A header value quoted for an error message: short, and with no control
/// bytes to spoil a log line.
std::string quoted_excerpt(std::string_view value) {
    constexpr std::size_t max_shown = 64;
    std::string text = "\"";
    for (char c : value.substr(0, max_shown)) {
        const auto byte = static_cast<unsigned char>(c);
        text += (byte < 0x20 || byte == 0x7f) ? '?' : c;
    }
    text += value.size() > max_shown ? "\"..." : "\"";
    return text;
}

/// False when a number in `value` is out of a double's range: Boost.JSON
/// reads 1e400 as infinity and writes it back as `Infinity`, which is not
/// JSON, so a stored session holding one could never be read again.
bool numbers_are_finite(const boost::json::value& value) {
    if (value.is_double()) return std::isfinite(value.get_double());
    if (const auto* array = value.if_array())
        return std::all_of(array->begin(), array->end(), numbers_are_finite);
    if (const auto* object = value.if_object())
        return std::all_of(object->begin(), object->end(),
                           [](const auto& member) { return numbers_are_finite(member.value()); });
    return true;
}

/// The request-side names of the contract: an upstream that echoes request
/// headers back sends them; they ask for nothing and are only stripped.
bool is_echoed_request_header(std::string_view suffix) {
    return suffix.empty() || equals_ignoring_case(suffix, "-Id") || equals_ignoring_case(suffix, "-State") ||
           equals_ignoring_case(suffix, "-Expires");
}

}  // namespace

bool is_control_header(std::string_view prefix, std::string_view name) {
    return !prefix.empty() && starts_with_ignoring_case(name, prefix);
}

ControlHeaders parse_control_headers(std::string_view prefix,
                                     const std::vector<std::pair<std::string_view, std::string_view>>& headers) {
    ControlHeaders control;
    for (const auto& header : headers) {
        const std::string_view name = header.first;  // not a structured binding: Clang 14's lambdas cannot capture one
        if (!is_control_header(prefix, name)) continue;
        const auto suffix = name.substr(prefix.size());
        const auto value = trim_whitespace(header.second);
        auto fail = [&](std::string why) { control.errors.push_back({std::string(name), std::move(why)}); };

        if (equals_ignoring_case(suffix, "-Update")) {
            if (value.size() > max_patch_bytes) {
                fail("larger than 1 MiB");
                continue;
            }
            boost::system::error_code ec;
            auto patch = boost::json::parse(value, ec);
            if (ec) {
                fail("not valid JSON (" + ec.message() + ")");
            } else if (!patch.is_object()) {
                fail("not a JSON object");
            } else if (!numbers_are_finite(patch)) {
                fail("a number too large for a double");
            } else {
                control.patches.push_back(std::move(patch.get_object()));
            }
        } else if (equals_ignoring_case(suffix, "-Action")) {
            const auto action = parse_action(value);
            if (!action) {
                fail("unknown action " + quoted_excerpt(value) + " (expected flush, cycle or clear)");
            } else if (control.action != SessionAction::None && control.action != *action) {
                fail("conflicting actions " + std::string(action_name(control.action)) + " and " +
                     std::string(action_name(*action)));
            } else {
                control.action = *action;
            }
        } else if (equals_ignoring_case(suffix, "-Expiry")) {
            // Repeated: the last one wins, as calling set_expiry() twice.
            if (auto expiry = parse_expiry(value)) {
                control.expiry = *expiry;
            } else {
                fail("expected seconds (an integer from 0 to " + std::to_string(max_expiry_seconds) +
                     ") or \"default\", got " + quoted_excerpt(value));
            }
        } else if (!is_echoed_request_header(suffix)) {
            control.unknown.emplace_back(name);
        }
    }
    return control;
}

}  // namespace sessiongate::session
