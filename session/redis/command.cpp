#include "session/redis/command.hpp"

#include <hiredis/hiredis.h>

#include <new>
#include <vector>

namespace sessiongate::session::redis {

std::string format_command(std::span<const std::string_view> args) {
    std::vector<const char*> argv;
    std::vector<std::size_t> lengths;
    argv.reserve(args.size());
    lengths.reserve(args.size());
    for (auto arg : args) {
        argv.push_back(arg.empty() ? "" : arg.data());  // never a null pointer into hiredis
        lengths.push_back(arg.size());
    }
    char* raw = nullptr;
    const int length = redisFormatCommandArgv(&raw, static_cast<int>(args.size()), argv.data(), lengths.data());
    if (length < 0 || !raw) throw std::bad_alloc();
    std::string command(raw, static_cast<std::size_t>(length));
    redisFreeCommand(raw);
    return command;
}

std::string format_command(std::initializer_list<std::string_view> args) {
    return format_command(std::span<const std::string_view>(args.begin(), args.size()));
}

}  // namespace sessiongate::session::redis
