#include "sample_backend/form.hpp"

#include "base/http_text.hpp"

#include <algorithm>
#include <cctype>

namespace sample_backend {

using sessiongate::text::form_decode;

std::map<std::string, std::string> parse_form(std::string_view body) {
    std::map<std::string, std::string> fields;
    while (!body.empty()) {
        const std::size_t amp = body.find('&');
        const std::string_view pair = body.substr(0, amp);
        body = amp == std::string_view::npos ? std::string_view{} : body.substr(amp + 1);
        if (pair.empty())
            continue;
        const std::size_t eq = pair.find('=');
        std::string name = form_decode(pair.substr(0, eq));
        std::string value = eq == std::string_view::npos ? std::string{} : form_decode(pair.substr(eq + 1));
        fields.emplace(std::move(name), std::move(value));  // emplace keeps the first
    }
    return fields;
}

bool is_form_content_type(std::string_view content_type) {
    constexpr std::string_view form = "application/x-www-form-urlencoded";
    const std::string_view media = content_type.substr(0, content_type.find(';'));
    std::string_view trimmed = media;
    while (!trimmed.empty() && trimmed.back() == ' ')
        trimmed.remove_suffix(1);
    return trimmed.size() == form.size() &&
           std::equal(trimmed.begin(), trimmed.end(), form.begin(), [](char a, char b) {
               return std::tolower(static_cast<unsigned char>(a)) == b;
           });
}

}  // namespace sample_backend
