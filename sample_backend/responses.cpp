#include "sample_backend/responses.hpp"

#include "sample_backend/html.hpp"

#include <utility>

namespace sample_backend {

Response html_page(int status, std::string_view title, const Request& request,
                   SessionControls controls, std::string_view content) {
    Response response;
    response.status = status;
    response.body = page(title, request, controls, content);
    response.session = std::move(controls);
    return response;
}

Response see_other(std::string location, SessionControls controls) {
    Response response;
    response.status = 303;
    response.body = "<!DOCTYPE html>\n<p>See <a href=\"" + escape(location) + "\">" +
                    escape(location) + "</a>.</p>\n";
    response.headers.emplace_back("Location", std::move(location));
    response.session = std::move(controls);
    return response;
}

Response error_page(int status, std::string_view message, const Request& request) {
    std::string content = "<p>";
    content += escape(message);
    content += "</p>\n";
    return html_page(status, "Error " + std::to_string(status), request, {}, content);
}

}  // namespace sample_backend
