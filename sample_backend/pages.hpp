// The pages of the demo, one function each: request values in, response out.
// Each one does what a Django view in the seeds does with request.session,
// through the upstream contract alone (X-Session in, X-Session-* out).
#pragma once

#include "sample_backend/exchange.hpp"

namespace sample_backend::pages {

Response index(const Request& request);
Response counter(const Request& request, const AppOptions& options);
Response login_form(const Request& request);
Response login(const Request& request);
Response logout(const Request& request);
Response test_cookie_set(const Request& request);
Response test_cookie_check(const Request& request);
Response preferences_form(const Request& request);
Response preferences(const Request& request);
Response health(const Request& request);

}  // namespace sample_backend::pages
