#include "sample_backend/session_values.hpp"

namespace sample_backend {

std::optional<long long> int_value(const boost::json::object& data, std::string_view key) {
    const auto* value = data.if_contains(key);
    if (!value)
        return std::nullopt;
    if (value->is_int64())
        return value->get_int64();
    if (value->is_uint64() && value->get_uint64() <= 9007199254740992ULL)
        return static_cast<long long>(value->get_uint64());
    return std::nullopt;
}

std::optional<std::string> string_value(const boost::json::object& data, std::string_view key) {
    const auto* value = data.if_contains(key);
    if (!value || !value->is_string())
        return std::nullopt;
    return std::string(value->get_string());
}

}  // namespace sample_backend
