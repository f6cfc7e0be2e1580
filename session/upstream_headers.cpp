// The request headers the upstream gets about the session, and the ones a
// client may never send it.
#include "session/upstream_headers.hpp"

#include "base/http_text.hpp"
#include "session/header_json.hpp"

#include <algorithm>

#include <boost/json/parse.hpp>

#include <charconv>

namespace sessiongate::session {

using namespace text;

namespace {

/// A session value as a mapped header value; nullopt leaves the header out.
std::optional<std::string> mapped_header_value(const boost::json::value& value) {
    switch (value.kind()) {
        case boost::json::kind::null:
            return std::nullopt;
        case boost::json::kind::string: {
            const auto& text = value.get_string();
            // Never split or end a header with a value the session holds.
            if (!is_safe_header_value(text)) return std::nullopt;
            // Non-ASCII text goes as a JSON string ("Zo\u00eb"): raw UTF-8
            // would reach Latin-1 readers garbled.
            const bool ascii = std::all_of(text.begin(), text.end(), [](char c) { return (c & 0x80) == 0; });
            if (!ascii) return header_json(value);
            return std::string(text);
        }
        case boost::json::kind::double_: {
            // Shortest round-trip text ("1.5"), not Boost.JSON's "1.5E0".
            char text[32];
            const auto [end, ec] = std::to_chars(text, text + sizeof text, value.get_double());
            if (ec != std::errc{}) return header_json(value);
            return std::string(text, end);
        }
        default:
            return header_json(value);
    }
}

}  // namespace

bool is_reserved_request_header(const config::Config& config, std::string_view name) {
    // CGI-style servers read X_Session_Id as X-Session-Id (both HTTP_X_SESSION_ID),
    // so '_' counts as '-' here, or a client could forge what we strip.
    std::string dashed(name);
    std::replace(dashed.begin(), dashed.end(), '_', '-');
    if (!config.header_prefix.empty() && starts_with_ignoring_case(dashed, config.header_prefix)) return true;
    for (const auto& [key, header] : config.inject)
        if (equals_ignoring_case(dashed, header)) return true;
    return false;
}

std::vector<Header> upstream_session_headers(const config::Config& config, SessionState state,
                                             const SessionRecord* record) {
    const std::string& prefix = config.header_prefix;
    if (state != SessionState::Active) record = nullptr;
    std::vector<Header> headers;
    headers.emplace_back(prefix + "-State", std::string(to_string(state)));
    if (record) {
        headers.emplace_back(prefix + "-Id", record->handle);
        headers.emplace_back(prefix + "-Expires", std::to_string(record->expires));
    }
    headers.emplace_back(prefix, record ? header_json_object(record->data_json) : std::string("{}"));

    if (!record || config.inject.empty()) return headers;
    boost::system::error_code ec;
    const auto data = boost::json::parse(record->data_json, ec);
    if (ec || !data.is_object()) return headers;
    for (const auto& [key, header] : config.inject) {
        const auto* value = data.get_object().if_contains(key);
        if (value == nullptr) continue;
        if (auto text = mapped_header_value(*value)) headers.emplace_back(header, std::move(*text));
    }
    return headers;
}

}  // namespace sessiongate::session
