// RFC 7386 JSON merge patch.
#pragma once

#include <boost/json/object.hpp>

namespace sessiongate::session {

/// Applies `patch` to `target` in place: members set, `null` deletes,
/// nested objects merged recursively (a non-object target member is replaced).
void apply_merge_patch(boost::json::object& target, const boost::json::object& patch);

}  // namespace sessiongate::session
