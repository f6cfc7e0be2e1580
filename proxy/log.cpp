#include "proxy/log.hpp"

#include <boost/json/serialize.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <unistd.h>

namespace sessiongate::proxy {
namespace {

std::atomic<config::LogLevel> minimum_level{config::LogLevel::Info};

std::string_view level_name(config::LogLevel level) {
    switch (level) {
    case config::LogLevel::Debug: return "debug";
    case config::LogLevel::Info: return "info";
    case config::LogLevel::Warn: return "warn";
    case config::LogLevel::Error: return "error";
    }
    return "error";
}

void write_line(int fd, boost::json::object&& fields) {
    std::string line = boost::json::serialize(fields);
    line.push_back('\n');
    // One syscall per line: atomic with respect to other threads' lines.
    std::string_view rest = line;
    while (!rest.empty()) {
        ssize_t n = ::write(fd, rest.data(), rest.size());
        if (n <= 0) return;  // the stream is gone: logging must never take the proxy down
        rest.remove_prefix(static_cast<std::size_t>(n));
    }
}

// RFC 3339 UTC with milliseconds: what log pipelines parse without help.
std::string timestamp() {
    using namespace std::chrono;
    auto now = system_clock::now();
    auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
    std::time_t seconds = system_clock::to_time_t(now);
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char text[64];
    std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                  utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, static_cast<int>(ms));
    return text;
}

boost::json::object with_header(std::string_view event, std::string_view level,
                                boost::json::object fields) {
    boost::json::object line;
    line.reserve(fields.size() + 3);
    line["time"] = timestamp();
    line["level"] = level;
    line["event"] = event;
    for (auto& field : fields) line[field.key()] = std::move(field.value());
    return line;
}

}  // namespace

void set_log_level(config::LogLevel level) { minimum_level.store(level, std::memory_order_relaxed); }

bool log_enabled(config::LogLevel level) { return level >= minimum_level.load(std::memory_order_relaxed); }

void log_at(config::LogLevel level, std::string_view event, boost::json::object fields) {
    if (!log_enabled(level)) return;
    // Warnings and errors apart from the request stream, so an operator (or a
    // log shipper) can route and alert on them without parsing every line.
    int fd = level >= config::LogLevel::Warn ? STDERR_FILENO : STDOUT_FILENO;
    write_line(fd, with_header(event, level_name(level), std::move(fields)));
}

}  // namespace sessiongate::proxy
