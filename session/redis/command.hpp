// Redis commands in their wire form (RESP arrays of bulk strings), formatted
// by hiredis' redisFormatCommandArgv: binary-safe, no printf-style parsing.
#pragma once

#include <initializer_list>
#include <span>
#include <string>
#include <string_view>

namespace sessiongate::session::redis {

/// The bytes of one command. Throws std::bad_alloc when hiredis cannot
/// allocate (it has no other failure).
std::string format_command(std::span<const std::string_view> args);
std::string format_command(std::initializer_list<std::string_view> args);

}  // namespace sessiongate::session::redis
