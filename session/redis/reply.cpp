#include "session/redis/reply.hpp"

namespace sessiongate::session::redis {

bool Reply::is_error_code(std::string_view code) const {
    return type == Type::Error && text.starts_with(code) &&
           (text.size() == code.size() || text[code.size()] == ' ');
}

std::string describe(const Reply& reply) {
    constexpr std::size_t max_text = 200;  // a log line, not a dump
    auto quoted = [&](const char* kind) {
        std::string text = reply.text.substr(0, max_text);
        if (reply.text.size() > max_text) text += "...";
        return std::string(kind) + " \"" + text + "\"";
    };
    switch (reply.type) {
    case Reply::Type::String: return "string of " + std::to_string(reply.text.size()) + " bytes";
    case Reply::Type::Array: return "array of " + std::to_string(reply.elements.size());
    case Reply::Type::Integer: return "integer " + std::to_string(reply.integer);
    case Reply::Type::Nil: return "nil";
    case Reply::Type::Status: return quoted("status");
    case Reply::Type::Error: return quoted("error");
    }
    return "unknown reply";
}

}  // namespace sessiongate::session::redis
