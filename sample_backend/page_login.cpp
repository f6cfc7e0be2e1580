// Log in and out as in the seeds: login stores member_id and takes a new
// session id (cycle_key, the fixation defense); "remember me" decides whether
// the cookie outlives the browser (set_expiry(0) or the configured age);
// logout flushes the session.
#include "sample_backend/form.hpp"
#include "sample_backend/html.hpp"
#include "sample_backend/pages.hpp"
#include "sample_backend/responses.hpp"
#include "sample_backend/session_values.hpp"

#include <cstdint>

namespace sample_backend::pages {

namespace {

constexpr std::size_t max_username = 64;

/// A demo has no user table: the member id is derived from the name (FNV-1a),
/// so the same name always logs in as the same member.
long long member_id_for(std::string_view username) {
    std::uint32_t hash = 2166136261u;
    for (const char c : username) {
        hash ^= static_cast<unsigned char>(c);
        hash *= 16777619u;
    }
    return 1 + static_cast<long long>(hash % 999999u);
}

std::string trimmed(std::string_view text) {
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos)
        return {};
    const auto last = text.find_last_not_of(" \t\r\n");
    return std::string(text.substr(first, last - first + 1));
}

std::string form_html(const Request& request, std::string_view error) {
    std::string out;
    if (!error.empty())
        out += "<p class=\"error\" id=\"login-error\">" + escape(error) + "</p>\n";
    out += "<form method=\"post\" action=\"/login\">\n" + csrf_field(request);
    out += R"(<p><label>User name <input name="username" id="username" required maxlength="64" autocomplete="username"></label></p>
<p><label><input type="checkbox" name="remember" id="remember" value="on"> Remember me (keep the session after the browser closes)</label></p>
<p><button type="submit" id="login-button">Log in</button></p>
</form>
)";
    return out;
}

Response login_page(int status, const Request& request, std::string_view error) {
    const auto& data = request.session.data;
    const std::optional<long long> member = int_value(data, "member_id");
    std::string content;
    if (member) {
        const std::string name = string_value(data, "username").value_or("?");
        content += "<p id=\"login-state\">Logged in as <strong id=\"login-name\">" + escape(name) +
                   "</strong> (member_id " + std::to_string(*member) + ").</p>\n";
        content += "<form method=\"post\" action=\"/logout\">" + csrf_field(request) +
                   "<button type=\"submit\" id=\"logout-button\">Log out</button></form>\n";
    } else {
        content += "<p id=\"login-state\">Not logged in.</p>\n";
        content += form_html(request, error);
    }
    return html_page(status, "Log in", request, {}, content);
}

}  // namespace

Response login_form(const Request& request) {
    return login_page(200, request, "");
}

Response login(const Request& request) {
    const auto fields = parse_form(request.body);
    const auto username_field = fields.find("username");
    const std::string username = username_field == fields.end() ? "" : trimmed(username_field->second);
    if (username.empty() || username.size() > max_username)
        return login_page(400, request, "Enter a user name of 1 to 64 characters.");
    const auto remember = fields.find("remember");
    const bool remember_me = remember != fields.end() && !remember->second.empty();

    SessionControls controls;
    controls.action = "cycle";
    controls.update = boost::json::object{{"member_id", member_id_for(username)}, {"username", username}};
    controls.expiry = remember_me ? "default" : "0";
    return see_other("/login", std::move(controls));
}

Response logout(const Request&) {
    SessionControls controls;
    controls.action = "flush";
    return see_other("/login", std::move(controls));
}

}  // namespace sample_backend::pages
