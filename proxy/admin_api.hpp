// The admin session API, served on the admin listener beside /metrics:
//
//   GET    /sessions?member_id=42[&limit=N][&cursor=C]  sessions of an indexed value, paginated
//   DELETE /sessions?member_id=42[&except=HANDLE]      revoke them all (log out everywhere)
//   GET    /sessions/{handle}                          one session, with its data
//   PATCH  /sessions/{handle}                          JSON merge patch, as a response's update
//   DELETE /sessions/{handle}                          revoke it
//
// JSON in and out; every error is {"error": "..."} with its status. A bearer
// token guards it (compared in constant time); without a configured token
// the API is off and answers 404. Calls wait for the store (an LMDB change
// waits for its commit), so handle() runs on a thread of its own, never on
// an I/O thread.
#pragma once

#include "config/config.hpp"
#include "proxy/metrics.hpp"
#include "session/session_admin.hpp"
#include "session/session_write.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sessiongate::proxy {

struct AdminRequest {
    std::string method;  // as sent: "GET", "PATCH", ...
    std::string target;  // origin form: path and query
    std::string authorization;
    std::string body;
};

struct AdminResponse {
    unsigned status = 200;
    std::string body;  // one JSON value
    std::string allow;  // for 405: the methods the path takes
};

/// The settings in force that a change by the API follows, as a response's
/// update would: the size cap and the expiry policy.
struct AdminApiLimits {
    std::size_t session_max_bytes = 16384;
    session::ExpiryPolicy policy;

    static AdminApiLimits of(const config::Config& config);
};

class AdminApi {
public:
    /// `admin` may be null (a store with nothing to administer: every call
    /// answers 404 once authorized). `token`: nullopt turns the API off.
    AdminApi(session::SessionAdmin* admin, std::optional<std::string> token, Metrics& metrics);

    /// Whether `target` is the API's (it answers every method there).
    static bool serves(std::string_view target);

    /// Answers one request; counts it by outcome. May wait for the store.
    AdminResponse handle(const AdminRequest& request, const AdminApiLimits& limits, std::int64_t now);

private:
    AdminResponse route(const AdminRequest& request, const AdminApiLimits& limits, std::int64_t now);
    bool authorized(std::string_view authorization) const;

    session::SessionAdmin* admin_;
    std::optional<std::string> token_digest_;  // SHA-256 of the token
    Metrics& metrics_;
};

/// The admin token: SESSIONGATE_ADMIN_TOKEN when set, else the first line of
/// `admin_token_file`; nullopt with neither. Throws std::runtime_error when
/// the file cannot be read or the token is shorter than 16 characters.
std::optional<std::string> load_admin_token(const config::Config& config);

}  // namespace sessiongate::proxy
