// The seeds' visit counter: num_visits and last_visit in the session, a visit
// counted at most once per interval (the seeds use a day).
#include "sample_backend/html.hpp"
#include "sample_backend/pages.hpp"
#include "sample_backend/responses.hpp"
#include "sample_backend/session_values.hpp"
#include "sample_backend/time_text.hpp"

#include <algorithm>
#include <limits>

namespace sample_backend::pages {

namespace {

bool counts_as_visit(const std::optional<TimePoint>& last_visit, TimePoint now,
                     std::chrono::seconds interval) {
    return interval.count() == 0 || !last_visit || now - *last_visit >= interval;
}

}  // namespace

Response counter(const Request& request, const AppOptions& options) {
    const auto& data = request.session.data;
    long long visits = std::max(0LL, int_value(data, "num_visits").value_or(0));
    const std::optional<std::string> last_text = string_value(data, "last_visit");
    const std::optional<TimePoint> last_visit = last_text ? parse_iso(*last_text) : std::nullopt;

    SessionControls controls;
    const bool counted = counts_as_visit(last_visit, request.now, options.visit_interval);
    std::string last_shown = last_text.value_or("");
    if (counted) {
        // The session may have been edited elsewhere (admin API): never overflow.
        if (visits < std::numeric_limits<long long>::max())
            ++visits;
        last_shown = to_iso(request.now);
        controls.update = boost::json::object{{"num_visits", visits}, {"last_visit", last_shown}};
    }

    std::string content = "<p>You have visited this page <strong id=\"num-visits\">" +
                          std::to_string(visits) + "</strong> " +
                          (visits == 1 ? "time" : "times") + ".</p>\n";
    content += "<p>Last counted visit: <span id=\"last-visit\">" + escape(last_shown) + "</span></p>\n";
    if (!counted)
        content += "<p class=\"note\" id=\"not-counted\">This load was not counted: the last counted "
                   "visit is less than " + std::to_string(options.visit_interval.count()) +
                   " seconds old.</p>\n";
    else if (options.visit_interval.count() > 0)
        content += "<p class=\"note\">A visit counts at most once every " +
                   std::to_string(options.visit_interval.count()) + " seconds.</p>\n";
    content += "<p><a href=\"/counter\">Load again</a></p>\n";
    return html_page(200, "Visit counter", request, std::move(controls), content);
}

}  // namespace sample_backend::pages
