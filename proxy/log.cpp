#include "proxy/log.hpp"

#include <boost/json/serialize.hpp>

#include <chrono>
#include <unistd.h>

namespace sessiongate::proxy {
namespace {

void write_line(boost::json::object&& fields) {
    std::string line = boost::json::serialize(fields);
    line.push_back('\n');
    // One syscall per line: atomic with respect to other threads' lines.
    std::string_view rest = line;
    while (!rest.empty()) {
        ssize_t n = ::write(STDOUT_FILENO, rest.data(), rest.size());
        if (n <= 0) return;  // stdout gone: logging must never take the proxy down
        rest.remove_prefix(static_cast<std::size_t>(n));
    }
}

double unix_time() {
    using namespace std::chrono;
    return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count() / 1e6;
}

boost::json::object with_header(std::string_view event, std::string_view level,
                                boost::json::object fields) {
    boost::json::object line;
    line.reserve(fields.size() + 3);
    line["time"] = unix_time();
    line["level"] = level;
    line["event"] = event;
    for (auto& field : fields) line[field.key()] = std::move(field.value());
    return line;
}

}  // namespace

void log_event(std::string_view event, boost::json::object fields) {
    write_line(with_header(event, "info", std::move(fields)));
}

void log_error(std::string_view event, boost::json::object fields) {
    write_line(with_header(event, "error", std::move(fields)));
}

}  // namespace sessiongate::proxy
