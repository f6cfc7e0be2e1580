// ASCII text rules shared by every folder: HTTP header names are
// case-insensitive, optional whitespace is SP and HTAB (RFC 9110 5.6.3),
// tokens are tchars (RFC 9110 5.6.2). Locale-free on purpose: std::tolower
// and std::isspace depend on the C locale, and HTTP does not.
#pragma once

#include <string>
#include <string_view>

namespace sessiongate::text {

constexpr char ascii_lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

constexpr bool equals_ignoring_case(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
    return true;
}

constexpr bool starts_with_ignoring_case(std::string_view text, std::string_view prefix) {
    return text.size() >= prefix.size() && equals_ignoring_case(text.substr(0, prefix.size()), prefix);
}

/// Strips leading and trailing SP / HTAB (HTTP's OWS).
constexpr std::string_view trim_whitespace(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    return text;
}

/// Strips SP, HTAB, CR and LF: for lines of files and environment values.
constexpr std::string_view trim_blanks(std::string_view text) {
    auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
    while (!text.empty() && blank(text.front())) text.remove_prefix(1);
    while (!text.empty() && blank(text.back())) text.remove_suffix(1);
    return text;
}

constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }
constexpr bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
/// The value of a hex digit in either case, -1 for any other character.
constexpr int hex_digit_value(char c) {
    if (is_digit(c)) return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/// tchar: the characters of a token (header names, methods, cookie names).
constexpr bool is_tchar(char c) {
    if (is_digit(c) || is_alpha(c)) return true;
    switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
    case '-': case '.': case '^': case '_': case '`': case '|': case '~':
        return true;
    default:
        return false;
    }
}

constexpr bool is_token(std::string_view text) {
    if (text.empty()) return false;
    for (char c : text)
        if (!is_tchar(c)) return false;
    return true;
}

/// A control byte: below 0x20, or DEL.
constexpr bool is_control(char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte < 0x20 || byte == 0x7f;
}

/// True when `value` can go into a header as it is: no control characters
/// (HTAB aside), so it can never end or split a header.
constexpr bool is_safe_header_value(std::string_view value) {
    for (char c : value)
        if (is_control(c) && c != '\t') return false;
    return true;
}

/// Text of an application/x-www-form-urlencoded name or value, decoded as
/// HTML forms encode it: '+' is a space, %XX a byte; a '%' not followed by
/// two hex digits stays as it is.
inline std::string form_decode(std::string_view text) {
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

}  // namespace sessiongate::text
