// Django's set_test_cookie / test_cookie_worked / delete_test_cookie: the test
// "cookie" is a session key, so it comes back only if the browser kept the
// session cookie. Two pages, because only the next request can tell.
#include "sample_backend/pages.hpp"
#include "sample_backend/responses.hpp"
#include "sample_backend/session_values.hpp"

namespace sample_backend::pages {

Response test_cookie_set(const Request& request) {
    SessionControls controls;
    controls.update = boost::json::object{{"testcookie", "worked"}};
    constexpr std::string_view content = R"(<p>The test value is stored in the session
(<code>"testcookie": "worked"</code>). If the browser keeps the session cookie, the
next page finds it.</p>
<p><a href="/test-cookie/check" id="check-link">Check whether cookies work</a></p>
)";
    return html_page(200, "Test cookie", request, std::move(controls), content);
}

Response test_cookie_check(const Request& request) {
    SessionControls controls;
    std::string content;
    if (string_value(request.session.data, "testcookie") == "worked") {
        controls.update = boost::json::object{{"testcookie", nullptr}};  // delete_test_cookie()
        content = "<p id=\"test-cookie-result\" class=\"ok\">Cookies work.</p>\n";
    } else {
        content = "<p id=\"test-cookie-result\" class=\"error\">Cookies are not enabled: "
                  "please enable cookies and try again.</p>\n";
    }
    content += "<p><a href=\"/test-cookie\">Start again</a></p>\n";
    return html_page(200, "Test cookie", request, std::move(controls), content);
}

}  // namespace sample_backend::pages
