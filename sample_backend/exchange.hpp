// The values the app sees of one request and gives back for one response.
// Kept free of Beast types so that the pages are pure functions of these.
#pragma once

#include <boost/json/object.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace sample_backend {

/// What the proxy told us about the session (the upstream contract).
struct SessionView {
    boost::json::object data;      ///< X-Session parsed; {} when absent or malformed
    std::string raw;               ///< X-Session exactly as received ("" when absent)
    bool malformed = false;        ///< X-Session was present but not a JSON object
    std::string state;             ///< X-Session-State ("" when absent)
    std::string id;                ///< X-Session-Id handle ("" when absent)
    std::optional<long long> expires;  ///< X-Session-Expires, Unix seconds
    std::string csrf_token;        ///< X-Session-Csrf: for the forms ("" when absent)
};

struct Request {
    std::string method;            ///< "GET", "POST", ...
    std::string path;              ///< target without the query string
    std::string content_type;
    std::string body;
    SessionView session;
    std::chrono::system_clock::time_point now;
};

/// The session controls of a response: each becomes one X-Session-* header.
struct SessionControls {
    std::optional<boost::json::object> update;  ///< X-Session-Update (merge patch)
    std::optional<std::string> action;           ///< X-Session-Action: flush|cycle|clear
    std::optional<std::string> expiry;           ///< X-Session-Expiry: N|0|default

    bool empty() const { return !update && !action && !expiry; }
};

struct Response {
    int status = 200;
    std::string content_type = "text/html; charset=utf-8";
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;  ///< extra headers (Location, Allow)
    SessionControls session;
};

/// Settings of the app itself (not of the server loop).
struct AppOptions {
    /// A /counter load counts as a visit only when the last counted one is at
    /// least this old (the seeds use a day); 0 counts every load.
    std::chrono::seconds visit_interval{0};
};

}  // namespace sample_backend
