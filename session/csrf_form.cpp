#include "session/csrf_form.hpp"

#include "base/http_text.hpp"

namespace sessiongate::session {

FormFieldScan::FormFieldScan(std::string_view name, std::size_t max_value_bytes)
    : name_(name), max_value_bytes_(max_value_bytes) {}

void FormFieldScan::feed(std::string_view bytes) {
    for (std::size_t i = 0; i < bytes.size() && !found_; ++i) {
        const char c = bytes[i];
        if (c == '&') {
            end_field();
            continue;
        }
        if (!in_value_) {
            if (c == '=') {
                in_value_ = true;
                name_matches_ = !name_too_long_ && form_decode(raw_name_) == name_;
                continue;
            }
            if (raw_name_.size() < 3 * name_.size()) raw_name_ += c;
            else name_too_long_ = true;
            continue;
        }
        if (!name_matches_) {
            // Skip to the next '&' without looking at each byte.
            const auto amp = bytes.find('&', i);
            if (amp == std::string_view::npos) return;
            i = amp - 1;
            continue;
        }
        if (raw_value_.size() < max_value_bytes_) raw_value_ += c;
    }
}

void FormFieldScan::finish() {
    if (!found_) end_field();
}

void FormFieldScan::end_field() {
    if (in_value_ ? name_matches_ : (!name_too_long_ && !raw_name_.empty() && form_decode(raw_name_) == name_)) {
        found_ = true;
        value_ = form_decode(raw_value_);
    }
    raw_name_.clear();
    raw_value_.clear();
    in_value_ = name_matches_ = name_too_long_ = false;
}

}  // namespace sessiongate::session
