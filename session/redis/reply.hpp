// One Redis reply (RESP2), owned and decoupled from hiredis' reply objects.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sessiongate::session::redis {

struct Reply {
    enum class Type { String, Array, Integer, Nil, Status, Error };

    Type type = Type::Nil;
    std::string text;             // String (bulk), Status (+OK), Error (-ERR ...)
    long long integer = 0;        // Integer
    std::vector<Reply> elements;  // Array

    bool is_error() const { return type == Type::Error; }
    bool is_nil() const { return type == Type::Nil; }
    /// True for an Error reply whose code (first word) is `code` ("NOSCRIPT").
    bool is_error_code(std::string_view code) const;
};

/// Short text for logs and error messages: `error "ERR unknown command"`,
/// `integer 3`, `array of 2`...
std::string describe(const Reply& reply);

}  // namespace sessiongate::session::redis
