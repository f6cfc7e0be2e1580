#include "sample_backend/translate.hpp"

#include "sample_backend/json_text.hpp"

#include <boost/beast/http/field.hpp>

#include <charconv>

namespace sample_backend {

namespace http = boost::beast::http;

namespace {

std::string header(const HttpRequest& http, std::string_view name) {
    const auto it = http.find(name);
    return it == http.end() ? std::string{} : std::string(it->value());
}

std::optional<long long> parse_seconds(std::string_view text) {
    long long value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size())
        return std::nullopt;
    return value;
}

SessionView session_view(const HttpRequest& http) {
    SessionView view;
    view.raw = header(http, "X-Session");
    if (!view.raw.empty()) {
        if (auto data = parse_object(view.raw))
            view.data = std::move(*data);
        else
            view.malformed = true;
    }
    view.state = header(http, "X-Session-State");
    view.id = header(http, "X-Session-Id");
    view.expires = parse_seconds(header(http, "X-Session-Expires"));
    view.csrf_token = header(http, "X-Session-Csrf");
    return view;
}

}  // namespace

Request to_request(const HttpRequest& http, std::chrono::system_clock::time_point now) {
    Request request;
    request.method = std::string(http.method_string());
    const std::string_view target = http.target();
    request.path = std::string(target.substr(0, target.find('?')));
    request.content_type = header(http, "Content-Type");
    request.body = http.body();
    request.session = session_view(http);
    request.now = now;
    return request;
}

HttpResponse to_http(Response response, const HttpRequest& request) {
    HttpResponse http{static_cast<http::status>(response.status), request.version()};
    http.set(http::field::server, "sessiongate-sample");
    http.set(http::field::content_type, response.content_type);
    for (auto& [name, value] : response.headers)
        http.set(name, value);
    const SessionControls& session = response.session;
    if (session.action)
        http.set("X-Session-Action", *session.action);
    if (session.update)
        http.set("X-Session-Update", to_header_json(*session.update));
    if (session.expiry)
        http.set("X-Session-Expiry", *session.expiry);
    http.body() = std::move(response.body);
    http.keep_alive(request.keep_alive());
    http.prepare_payload();
    return http;
}

}  // namespace sample_backend
