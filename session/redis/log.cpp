#include "session/redis/log.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <cstdio>

namespace sessiongate::session::redis {

void log_event(std::string_view event, std::string_view server, std::string_view detail) {
    boost::json::object line;
    line["event"] = event;
    line["store"] = "redis";
    line["server"] = server;
    line["detail"] = detail;
    std::fputs((boost::json::serialize(line) + "\n").c_str(), stderr);
}

}  // namespace sessiongate::session::redis
