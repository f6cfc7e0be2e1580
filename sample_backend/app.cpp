#include "sample_backend/app.hpp"

#include "sample_backend/form.hpp"
#include "sample_backend/pages.hpp"
#include "sample_backend/responses.hpp"

#include <functional>
#include <string_view>

namespace sample_backend {

namespace {

using Handler = std::function<Response(const Request&, const AppOptions&)>;

struct Route {
    std::string_view path;
    Handler get;   ///< empty: GET not allowed
    Handler post;  ///< empty: POST not allowed (form pages only)
};

template <Response (*page)(const Request&)>
Response ignoring_options(const Request& request, const AppOptions&) {
    return page(request);
}

const Route routes[] = {
    {"/", ignoring_options<pages::index>, {}},
    {"/counter", pages::counter, {}},
    {"/login", ignoring_options<pages::login_form>, ignoring_options<pages::login>},
    {"/logout", {}, ignoring_options<pages::logout>},
    {"/test-cookie", ignoring_options<pages::test_cookie_set>, {}},
    {"/test-cookie/check", ignoring_options<pages::test_cookie_check>, {}},
    {"/preferences", ignoring_options<pages::preferences_form>, ignoring_options<pages::preferences>},
    {"/healthz", ignoring_options<pages::health>, {}},
};

Response not_allowed(const Route& route, const Request& request) {
    Response response = error_page(405, "Method not allowed.", request);
    std::string allow;
    if (route.get) allow = "GET";
    if (route.post) allow += allow.empty() ? "POST" : ", POST";
    response.headers.emplace_back("Allow", allow);
    return response;
}

}  // namespace

Response handle(const Request& request, const AppOptions& options) {
    for (const Route& route : routes) {
        if (route.path != request.path)
            continue;
        if (request.method == "GET" && route.get)
            return route.get(request, options);
        if (request.method == "POST" && route.post) {
            if (!is_form_content_type(request.content_type))
                return error_page(415, "Forms are posted as application/x-www-form-urlencoded.", request);
            return route.post(request, options);
        }
        return not_allowed(route, request);
    }
    return error_page(404, "No such page.", request);
}

}  // namespace sample_backend
