#include "session/store_log.hpp"

#include <boost/json/serialize.hpp>

#include <atomic>
#include <cstdio>

namespace sessiongate::session {
namespace {

std::atomic<StoreLogSink> sink{nullptr};

}  // namespace

void set_store_log_sink(StoreLogSink to) { sink.store(to); }

void log_store_event(config::LogLevel level, std::string_view event, boost::json::object fields) {
    if (const StoreLogSink to = sink.load()) return to(level, event, std::move(fields));
    boost::json::object line;
    line["event"] = event;
    for (auto& field : fields) line[field.key()] = std::move(field.value());
    // One fputs per line, so lines from different threads never mix.
    std::fputs((boost::json::serialize(line) + "\n").c_str(), stderr);
}

}  // namespace sessiongate::session
