#include "proxy/admin_api.hpp"

#include "base/http_text.hpp"
#include "session/digest.hpp"
#include "session/write_rules.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>

#include <openssl/crypto.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <stdexcept>

namespace sessiongate::proxy {
namespace {

namespace json = boost::json;
using text::is_alpha;
using text::is_digit;
using text::starts_with_ignoring_case;
using text::trim_blanks;

constexpr std::string_view collection = "/sessions";
constexpr std::size_t default_page = 100;
constexpr std::size_t max_page = 1000;
constexpr std::size_t min_token_length = 16;
constexpr const char* token_variable = "SESSIONGATE_ADMIN_TOKEN";

AdminResponse reply(unsigned status, const json::value& body) { return {status, json::serialize(body), {}}; }

AdminResponse error(unsigned status, std::string message) {
    return reply(status, json::object{{"error", std::move(message)}});
}

AdminResponse not_allowed(std::string allow) {
    AdminResponse res = error(405, "method not allowed here; allowed: " + allow);
    res.allow = std::move(allow);
    return res;
}

AdminResponse no_session(const std::string& handle) { return error(404, "no session with handle " + handle); }

// Handles are base64url (X-Session-Id): anything else names no session.
bool is_handle(std::string_view text) {
    return !text.empty() && text.size() <= session::max_handle_bytes &&
           std::all_of(text.begin(), text.end(), [](char c) { return is_alpha(c) || is_digit(c) || c == '-' || c == '_'; });
}

json::object summary_json(const session::SessionSummary& s) {
    return {{"handle", s.handle}, {"created", s.created}, {"modified", s.modified}, {"expires", s.expires},
            {"bytes", s.bytes}};
}

json::object session_json(const session::SessionRecord& r) {
    boost::system::error_code ec;
    json::value data = json::parse(r.data_json, ec);
    if (ec) data = json::object{};  // records hold object texts; never answer with half a value
    return {{"handle", r.handle}, {"created", r.created}, {"modified", r.modified}, {"expires", r.expires},
            {"data", std::move(data)}};
}

/// The query of a collection request: one indexed key and its value, and
/// the paging or sparing parameters.
struct CollectionQuery {
    std::optional<session::IndexEntry> entry;
    std::size_t limit = default_page;
    std::string cursor;
    std::string except;
    std::string problem;  // when not empty: a 400
};

CollectionQuery read_query(const boost::urls::url_view& url, std::span<const std::string> index_keys) {
    CollectionQuery q;
    for (auto param : url.params()) {
        const std::string key = param.key;
        if (key == "limit") {
            char* end = nullptr;
            const long n = std::strtol(param.value.c_str(), &end, 10);
            if (param.value.empty() || *end != '\0' || n < 1 || n > static_cast<long>(max_page)) {
                q.problem = "limit must be a number from 1 to " + std::to_string(max_page);
                return q;
            }
            q.limit = static_cast<std::size_t>(n);
        } else if (key == "cursor") {
            q.cursor = param.value;
        } else if (key == "except") {
            q.except = param.value;
        } else {
            auto entry = session::index_lookup(index_keys, key, param.value, q.problem);
            if (!entry) return q;
            if (q.entry) {
                q.problem = "name one indexed key and value, not several";
                return q;
            }
            q.entry = std::move(entry);
        }
    }
    if (!q.entry) q.problem = index_keys.empty() ? "no session key is indexed (config index)"
                                                 : "name an indexed key and its value: /sessions?" +
                                                       index_keys.front() + "=...";
    return q;
}

/// The merge patch a PATCH carries, or the reason it is not one.
std::optional<json::object> read_patch(const std::string& body, std::string& problem) {
    boost::system::error_code ec;
    json::value value = json::parse(body, ec);
    if (ec) {
        problem = "the body is not JSON: " + ec.message();
        return std::nullopt;
    }
    if (!value.is_object()) {
        problem = "the body must be a JSON object (a merge patch)";
        return std::nullopt;
    }
    return std::move(value.as_object());
}

}  // namespace

AdminApiLimits AdminApiLimits::of(const config::Config& config) {
    AdminApiLimits limits;
    limits.session_max_bytes = config.session_max_bytes;
    limits.policy.age = config.cookie.age;
    limits.policy.max_lifetime = config.max_lifetime;
    return limits;
}

AdminApi::AdminApi(session::SessionAdmin* admin, std::optional<std::string> token, Metrics& metrics)
    : admin_(admin), metrics_(metrics) {
    if (token) token_digest_ = session::sha256(*token);
}

bool AdminApi::serves(std::string_view target) {
    const auto path = target.substr(0, target.find('?'));
    return path == collection || path.starts_with(std::string(collection) + "/");
}

bool AdminApi::authorized(std::string_view authorization) const {
    constexpr std::string_view scheme = "Bearer ";
    if (!starts_with_ignoring_case(authorization, scheme)) return false;
    // Digests have one length whatever was sent: the comparison takes the
    // same time for every wrong token.
    const std::string sent = session::sha256(trim_blanks(authorization.substr(scheme.size())));
    return CRYPTO_memcmp(sent.data(), token_digest_->data(), sent.size()) == 0;
}

AdminResponse AdminApi::handle(const AdminRequest& request, const AdminApiLimits& limits, std::int64_t now) {
    AdminResponse res;
    try {
        res = route(request, limits, now);
    } catch (const std::exception& e) {
        res = error(500, std::string("internal error: ") + e.what());
    }
    metrics_.admin_request(res.status);
    return res;
}

AdminResponse AdminApi::route(const AdminRequest& request, const AdminApiLimits& limits, std::int64_t now) {
    if (!token_digest_) return error(404, "the session API is off: set admin_token_file or SESSIONGATE_ADMIN_TOKEN");
    if (!authorized(request.authorization)) return error(401, "a valid Authorization: Bearer token is required");

    auto parsed = boost::urls::parse_origin_form(request.target);
    if (!parsed) return error(400, "the request target is not a valid path and query");
    const std::string path = parsed->path();
    if (!admin_) return error(404, "this store keeps no sessions on a server");

    if (path == collection) {
        if (request.method != "GET" && request.method != "DELETE") return not_allowed("GET, DELETE");
        const auto q = read_query(*parsed, admin_->index_keys());
        if (!q.problem.empty()) return error(400, q.problem);
        if (request.method == "GET") {
            if (!q.except.empty()) return error(400, "except is for DELETE");
            auto page = admin_->find_by_index(*q.entry, now, q.limit, q.cursor);
            json::array sessions;
            for (const auto& s : page.sessions) sessions.push_back(summary_json(s));
            json::object body{{"sessions", std::move(sessions)}};
            body["next"] = page.next.empty() ? json::value(nullptr) : json::value(page.next);
            return reply(200, body);
        }
        if (!q.cursor.empty() || q.limit != default_page) return error(400, "cursor and limit are for GET");
        const std::size_t revoked = admin_->remove_by_index(*q.entry, q.except);
        metrics_.sessions_revoked(revoked);
        return reply(200, json::object{{"revoked", revoked}});
    }

    const std::string handle = path.substr(collection.size() + 1);
    if (!is_handle(handle)) return error(400, "not a session handle: the handle is X-Session-Id (base64url)");
    if (!parsed->query().empty()) return error(400, "/sessions/{handle} takes no query");
    if (request.method == "GET") {
        auto record = admin_->find_by_handle(handle);
        if (!record || record->expires <= now) return no_session(handle);
        return reply(200, session_json(*record));
    }
    if (request.method == "DELETE") {
        if (!admin_->remove_by_handle(handle)) return no_session(handle);
        metrics_.sessions_revoked(1);
        return reply(200, json::object{{"revoked", 1}});
    }
    if (request.method != "PATCH") return not_allowed("GET, PATCH, DELETE");
    std::string problem;
    auto patch = read_patch(request.body, problem);
    if (!patch) return error(400, problem);
    session::SessionWrite write;
    write.patches.push_back(std::move(*patch));
    write.now = now;
    write.policy = limits.policy;
    write.max_bytes = limits.session_max_bytes;
    auto result = admin_->write_by_handle(handle, std::move(write));
    switch (result.outcome) {
    case session::WriteOutcome::Saved: return reply(200, session_json(result.record));
    case session::WriteOutcome::Unchanged: {
        auto record = admin_->find_by_handle(handle);
        if (!record || record->expires <= now) return no_session(handle);
        return reply(200, session_json(*record));
    }
    case session::WriteOutcome::Deleted:
        return reply(200, json::object{{"handle", handle}, {"deleted", true}});
    case session::WriteOutcome::Gone: return no_session(handle);
    case session::WriteOutcome::TooLarge:
        return error(413, "the session would exceed session_max_bytes (" + std::to_string(limits.session_max_bytes) +
                              "): refused, the session is unchanged");
    case session::WriteOutcome::Full: return error(507, "the session store is full: " + result.error);
    case session::WriteOutcome::Error: break;
    }
    return error(503, "the session store failed: " + result.error);
}

std::optional<std::string> load_admin_token(const config::Config& config) {
    std::string token;
    std::string source;
    if (const char* variable = std::getenv(token_variable); variable && !trim_blanks(variable).empty()) {
        token = std::string(trim_blanks(variable));
        source = token_variable;
    } else if (config.admin_token_file) {
        std::ifstream file(*config.admin_token_file);
        if (!file) throw std::runtime_error("cannot read admin_token_file " + *config.admin_token_file);
        std::getline(file, token);
        token = std::string(trim_blanks(token));
        source = *config.admin_token_file;
    } else {
        return std::nullopt;
    }
    if (token.size() < min_token_length)
        throw std::runtime_error("the admin token in " + source + " is shorter than " +
                                 std::to_string(min_token_length) + " characters");
    return token;
}

}  // namespace sessiongate::proxy
