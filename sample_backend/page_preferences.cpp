// A preference kept in the session: results per page.
#include "sample_backend/form.hpp"
#include "sample_backend/html.hpp"
#include "sample_backend/pages.hpp"
#include "sample_backend/responses.hpp"
#include "sample_backend/session_values.hpp"

#include <algorithm>
#include <array>

namespace sample_backend::pages {

namespace {

constexpr std::array<long long, 4> choices{10, 25, 50, 100};
constexpr long long default_per_page = 10;

bool is_choice(long long value) {
    return std::find(choices.begin(), choices.end(), value) != choices.end();
}

Response preferences_page(int status, const Request& request, std::string_view error) {
    const std::optional<long long> stored = int_value(request.session.data, "per_page");
    const long long current = stored && is_choice(*stored) ? *stored : default_per_page;

    std::string content = "<p>Results per page: <strong id=\"per-page\">" + std::to_string(current) +
                          "</strong>" + (stored ? "" : " <span class=\"note\">(default)</span>") + "</p>\n";
    if (!error.empty())
        content += "<p class=\"error\" id=\"preferences-error\">" + escape(error) + "</p>\n";
    content += "<form method=\"post\" action=\"/preferences\">\n" + csrf_field(request) +
               "<p><label>Results per page "
               "<select name=\"per_page\" id=\"per-page-select\">\n";
    for (const long long choice : choices) {
        const std::string value = std::to_string(choice);
        content += "<option value=\"" + value + "\"" + (choice == current ? " selected" : "") + ">" +
                   value + "</option>\n";
    }
    content += "</select></label></p>\n<p><button type=\"submit\" id=\"save-button\">Save</button></p>\n</form>\n";
    return html_page(status, "Preferences", request, {}, content);
}

}  // namespace

Response preferences_form(const Request& request) {
    return preferences_page(200, request, "");
}

Response preferences(const Request& request) {
    const auto fields = parse_form(request.body);
    const auto field = fields.find("per_page");
    long long value = 0;
    if (field != fields.end()) {
        try {
            std::size_t used = 0;
            value = std::stoll(field->second, &used);
            if (used != field->second.size())
                value = 0;
        } catch (const std::exception&) {
            value = 0;  // not a number: refused below
        }
    }
    if (!is_choice(value))
        return preferences_page(400, request, "Choose 10, 25, 50 or 100.");

    SessionControls controls;
    controls.update = boost::json::object{{"per_page", value}};
    return see_other("/preferences", std::move(controls));
}

}  // namespace sample_backend::pages
