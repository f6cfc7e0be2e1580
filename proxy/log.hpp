// Structured logging: one JSON object per line, written with a single
// write(2) so lines from different threads never interleave. debug and info
// lines (the access log, lifecycle events) go to stdout; warn and error
// lines to stderr, with the request id when a request is concerned. Every
// line carries "level"; lines below the configured level (log.level) are not
// written.
#pragma once

#include "config/config.hpp"

#include <boost/json/object.hpp>

#include <string_view>

namespace sessiongate::proxy {

/// The least severe level written from now on (at start and on reload).
void set_log_level(config::LogLevel level);

/// Whether a line at `level` would be written: lets a caller skip building
/// an expensive line (the access log) that would be dropped anyway.
bool log_enabled(config::LogLevel level);

/// Writes {"time":..., "level":..., "event": event, ...fields} as one line.
void log_at(config::LogLevel level, std::string_view event, boost::json::object fields = {});

inline void log_debug(std::string_view event, boost::json::object fields = {}) {
    log_at(config::LogLevel::Debug, event, std::move(fields));
}
/// Routine events: listening, reloaded, one line per request.
inline void log_event(std::string_view event, boost::json::object fields = {}) {
    log_at(config::LogLevel::Info, event, std::move(fields));
}
/// Something an operator should look at, though nothing failed.
inline void log_warn(std::string_view event, boost::json::object fields = {}) {
    log_at(config::LogLevel::Warn, event, std::move(fields));
}
/// A request or an operation failed.
inline void log_error(std::string_view event, boost::json::object fields = {}) {
    log_at(config::LogLevel::Error, event, std::move(fields));
}

}  // namespace sessiongate::proxy
