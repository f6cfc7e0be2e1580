#include "sample_backend/html.hpp"

#include "sample_backend/json_text.hpp"
#include "sample_backend/time_text.hpp"

namespace sample_backend {

std::string escape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&#39;"; break;
            default: out += c;
        }
    }
    return out;
}

std::string csrf_field(const Request& request) {
    if (request.session.csrf_token.empty()) return {};
    return "<input type=\"hidden\" name=\"csrfmiddlewaretoken\" value=\"" + escape(request.session.csrf_token) +
           "\">\n";
}

namespace {

constexpr std::string_view style = R"(<style>
body { font-family: system-ui, sans-serif; max-width: 46rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
nav a { margin-right: 1rem; }
.box { border: 1px solid #bbb; background: #f6f6f6; padding: .5rem 1rem; margin-top: 2rem; font-size: .9rem; }
.box h2 { font-size: 1rem; margin: .3rem 0; }
.box dt { font-family: monospace; font-weight: bold; }
.box dd { margin: 0 0 .4rem 1rem; font-family: monospace; white-space: pre-wrap; word-break: break-all; }
.note { color: #666; }
</style>
)";

std::string shown(std::string_view value) {
    return value.empty() ? std::string("<span class=\"note\">(absent)</span>") : escape(value);
}

std::string row(std::string_view header, std::string_view id, const std::string& value_html) {
    std::string out = "<dt>";
    out += header;
    out += "</dt><dd id=\"";
    out += id;
    out += "\">";
    out += value_html;
    out += "</dd>\n";
    return out;
}

std::string received_box(const SessionView& session) {
    std::string session_html = shown(session.raw);
    if (session.malformed)
        session_html += " <span class=\"note\">(not a JSON object: read as {})</span>";
    std::string expires_html = "<span class=\"note\">(absent)</span>";
    if (session.expires)
        expires_html = std::to_string(*session.expires) + " <span class=\"note\">(" +
                       to_iso(*session.expires) + ")</span>";

    std::string out = "<section class=\"box\" id=\"received\">\n<h2>What the app received</h2>\n<dl>\n";
    out += row("X-Session", "x-session", session_html);
    out += row("X-Session-State", "x-session-state", shown(session.state));
    out += row("X-Session-Id", "x-session-id", shown(session.id));
    out += row("X-Session-Expires", "x-session-expires", expires_html);
    out += "</dl>\n</section>\n";
    return out;
}

std::string answered_box(const SessionControls& answer) {
    std::string out = "<section class=\"box\" id=\"answered\">\n<h2>What the app answers</h2>\n";
    if (answer.empty()) {
        out += "<p class=\"note\">No X-Session-* headers: the session stays as it is.</p>\n";
    } else {
        out += "<dl>\n";
        if (answer.action)
            out += row("X-Session-Action", "x-session-action", escape(*answer.action));
        if (answer.update)
            out += row("X-Session-Update", "x-session-update", escape(to_header_json(*answer.update)));
        if (answer.expiry)
            out += row("X-Session-Expiry", "x-session-expiry", escape(*answer.expiry));
        out += "</dl>\n";
    }
    out += "</section>\n";
    return out;
}

}  // namespace

std::string page(std::string_view title, const Request& request, const SessionControls& answer,
                 std::string_view content) {
    std::string out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>";
    out += escape(title);
    out += " · sessiongate sample</title>\n";
    out += style;
    out += "</head>\n<body>\n<nav><a href=\"/\">Home</a><a href=\"/counter\">Visit counter</a>"
           "<a href=\"/login\">Log in</a><a href=\"/test-cookie\">Test cookie</a>"
           "<a href=\"/preferences\">Preferences</a></nav>\n<h1>";
    out += escape(title);
    out += "</h1>\n<main>\n";
    out += content;
    out += "</main>\n";
    out += received_box(request.session);
    out += answered_box(answer);
    out += "</body>\n</html>\n";
    return out;
}

}  // namespace sample_backend
