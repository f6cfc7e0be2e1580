#include "session/merge_patch.hpp"

namespace sessiongate::session {

// RFC 7386 section 2, with the patch known to be an object: a null member
// removes, an object member merges into the target member (an empty object
// first when that member is absent or not an object), anything else replaces.
void apply_merge_patch(boost::json::object& target, const boost::json::object& patch) {
    for (const auto& member : patch) {
        const auto& value = member.value();
        if (value.is_null()) {
            target.erase(member.key());
        } else if (value.is_object()) {
            auto& slot = target[member.key()];
            if (!slot.is_object()) slot.emplace_object();
            apply_merge_patch(slot.get_object(), value.get_object());
        } else {
            target[member.key()] = value;
        }
    }
}

}  // namespace sessiongate::session
