#include "sample_backend/pages.hpp"
#include "sample_backend/responses.hpp"

namespace sample_backend::pages {

Response index(const Request& request) {
    constexpr std::string_view content = R"(<p>This app has no session code and never sets a cookie.
sessiongate, in front of it, keeps the sessions: it sends the session to the app in
<code>X-Session</code> (JSON) and takes the app's changes from the response headers
<code>X-Session-Update</code>, <code>X-Session-Action</code> and <code>X-Session-Expiry</code>.
The box at the bottom of each page shows what the app received.</p>
<ul>
<li><a href="/counter">Visit counter</a>: <code>num_visits</code> and <code>last_visit</code> kept in the session.</li>
<li><a href="/login">Log in and out</a>: <code>member_id</code>, a new session id at login, "remember me" as the session's expiry, flush at logout.</li>
<li><a href="/test-cookie">Test cookie</a>: does this browser keep the session cookie?</li>
<li><a href="/preferences">Preferences</a>: results per page, kept in the session.</li>
</ul>
)";
    return html_page(200, "sessiongate sample app", request, {}, content);
}

Response health(const Request&) {
    Response response;
    response.content_type = "text/plain; charset=utf-8";
    response.body = "ok\n";
    return response;
}

}  // namespace sample_backend::pages
