// application/x-www-form-urlencoded bodies, as HTML forms post them.
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace sample_backend {

/// Field name -> value; of a repeated field the first one wins. Malformed
/// percent escapes are kept literally (a form is user input, not a protocol).
std::map<std::string, std::string> parse_form(std::string_view body);

/// True when a Content-Type header names a urlencoded form.
bool is_form_content_type(std::string_view content_type);

}  // namespace sample_backend
