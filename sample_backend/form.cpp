#include "sample_backend/form.hpp"

#include "base/http_text.hpp"

#include <algorithm>
#include <cctype>

namespace sample_backend {

namespace {

using sessiongate::text::hex_digit_value;

std::string decode(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '+') {
            out += ' ';
        } else if (c == '%' && i + 2 < text.size() && hex_digit_value(text[i + 1]) >= 0 &&
                   hex_digit_value(text[i + 2]) >= 0) {
            out += static_cast<char>(hex_digit_value(text[i + 1]) * 16 + hex_digit_value(text[i + 2]));
            i += 2;
        } else {
            out += c;
        }
    }
    return out;
}

}  // namespace

std::map<std::string, std::string> parse_form(std::string_view body) {
    std::map<std::string, std::string> fields;
    while (!body.empty()) {
        const std::size_t amp = body.find('&');
        const std::string_view pair = body.substr(0, amp);
        body = amp == std::string_view::npos ? std::string_view{} : body.substr(amp + 1);
        if (pair.empty())
            continue;
        const std::size_t eq = pair.find('=');
        std::string name = decode(pair.substr(0, eq));
        std::string value = eq == std::string_view::npos ? std::string{} : decode(pair.substr(eq + 1));
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
