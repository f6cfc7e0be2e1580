// HTML building blocks: escaping and the page frame every page shares.
#pragma once

#include "sample_backend/exchange.hpp"

#include <string>
#include <string_view>

namespace sample_backend {

/// Text made safe for element content and quoted attribute values.
std::string escape(std::string_view text);

/// The hidden form field carrying the CSRF token the proxy gave this
/// request (csrf.mode: token), as Django's {% csrf_token %}; "" without one.
std::string csrf_field(const Request& request);

/// A whole page: title, navigation, the page's own content (already HTML),
/// then what the app received from the proxy and what it answers, so a person
/// sees the mechanism at work.
std::string page(std::string_view title, const Request& request, const SessionControls& answer,
                 std::string_view content);

}  // namespace sample_backend
