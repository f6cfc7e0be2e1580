// Routing: which page answers a request.
#pragma once

#include "sample_backend/exchange.hpp"

namespace sample_backend {

/// The app as one pure function: request values in, response out.
Response handle(const Request& request, const AppOptions& options);

}  // namespace sample_backend
