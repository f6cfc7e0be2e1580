// Finds one field of an application/x-www-form-urlencoded body (the CSRF
// token's csrfmiddlewaretoken) as the body arrives in pieces of any size,
// split anywhere, holding no more than the field's name and value: the
// caller keeps the bytes it forwards, this keeps only what it must decode.
// The first field of that name counts. Names and values are decoded as
// HTML forms encode them ('+' is a space, %XX a byte).
#pragma once

#include "base/http_text.hpp"

#include <cstddef>
#include <string>
#include <string_view>

namespace sessiongate::session {

inline constexpr std::string_view csrf_form_field = "csrfmiddlewaretoken";

class FormFieldScan {
public:
    /// `max_value_bytes`: a longer value (still encoded) is kept cut short,
    /// so it is found but matches nothing.
    explicit FormFieldScan(std::string_view name = csrf_form_field, std::size_t max_value_bytes = 256);

    /// The next bytes of the body; ignored once the field is found.
    void feed(std::string_view bytes);
    /// The body ended: a field being read ends here.
    void finish();

    bool found() const { return found_; }
    /// The decoded value, once found.
    const std::string& value() const { return value_; }

private:
    void end_field();

    std::string name_;
    std::size_t max_value_bytes_;
    std::string raw_name_;   // encoded, up to 3 bytes per character of name_
    std::string raw_value_;  // encoded, only while the name matches
    bool in_value_ = false;
    bool name_matches_ = false;
    bool name_too_long_ = false;
    bool found_ = false;
    std::string value_;
};

using text::form_decode;  // base/http_text.hpp

}  // namespace sessiongate::session
