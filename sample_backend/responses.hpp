// Small constructors for the responses the pages give.
#pragma once

#include "sample_backend/exchange.hpp"

#include <string>
#include <string_view>

namespace sample_backend {

/// A full HTML page (see html.hpp) carrying the given session controls.
Response html_page(int status, std::string_view title, const Request& request,
                   SessionControls controls, std::string_view content);

/// 303 See Other: where a form POST ends (POST/redirect/GET), with the
/// session changes the POST made.
Response see_other(std::string location, SessionControls controls);

/// A short error page for a status that is not the page's own business.
Response error_page(int status, std::string_view message, const Request& request);

}  // namespace sample_backend
